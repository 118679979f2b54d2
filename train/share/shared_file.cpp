// Writing and expanding the "minnow-shared-1" file.
#include "train/share/shared_file.h"

#include <algorithm>
#include <set>
#include <vector>

#include "core/error.h"
#include "train/feature_adapters.h"
#include "train/model_setup.h"
#include "train/share/bit_pack.h"
#include "train/share/prepare_share.h"
#include "train/state_dict.h"

namespace minnow {
namespace {

constexpr std::string_view kCodebookSuffix = ".weight.codebook";

Tensor dims_tensor(const Dims& dims) {
  std::vector<float> values(dims.begin(), dims.end());
  return Tensor::from_plain({static_cast<int64_t>(dims.size())}, values, DType::s32);
}

}  // namespace

SafeTensors shared_weights_file(Module& model, const ModelConfig& model_config) {
  const std::vector<SharedLayer> layers = shared_layers(model);
  MINNOW_CHECK(!layers.empty(), "export: --format shared needs a weight-sharing run (share.enabled: true)");
  for (const SharedLayer& l : layers)
    MINNOW_CHECK(l.codebook->clustered(), "export: --format shared: ", l.name,
                 " is not clustered yet (the checkpoint is from before share.start_epoch)");
  std::set<std::string> replaced;
  for (const SharedLayer& l : layers) replaced.insert(l.name + ".weight");
  SafeTensors file = state_dict(model);
  std::erase_if(file.tensors, [&](const auto& entry) {
    return replaced.count(entry.first) || is_codebook_tensor(entry.first) || is_adapter_tensor(entry.first);
  });
  for (const SharedLayer& l : layers) {
    const WeightCodebook& c = *l.codebook;
    const Tensor& idx = c.indices();
    const std::vector<uint8_t> packed = pack_bits({idx.data<uint8_t>(), static_cast<size_t>(idx.numel())}, c.bits());
    const std::vector<float> bytes(packed.begin(), packed.end());
    file.tensors.emplace_back(l.name + ".weight.indices",
                              Tensor::from_plain({static_cast<int64_t>(bytes.size())}, bytes, DType::u8));
    file.tensors.emplace_back(l.name + std::string(kCodebookSuffix), c.codebook().data());
    file.tensors.emplace_back(l.name + ".weight.shape", dims_tensor(idx.dims()));
  }
  file.metadata = model_metadata(model_config);
  file.metadata["format"] = kSharedWeightsFormat;
  file.metadata["share.bits"] = std::to_string(layers.front().codebook->bits());
  return file;
}

SafeTensors expand_shared_file(const SafeTensors& file, const std::string& where) {
  SafeTensors out;
  out.metadata = file.metadata;
  out.metadata["format"] = "minnow-weights-1";
  out.metadata.erase("share.bits");
  const auto bits_entry = file.metadata.find("share.bits");
  MINNOW_CHECK(bits_entry != file.metadata.end(), where, ": metadata 'share.bits' is missing");
  int bits = 0;
  for (int b = 1; b <= 8; ++b)
    if (bits_entry->second == std::to_string(b)) bits = b;
  MINNOW_CHECK(bits > 0, where, ": metadata 'share.bits' should be 1 to 8, got '", printable(bits_entry->second), "'");
  for (const auto& [name, tensor] : file.tensors) {
    if (!name.ends_with(kCodebookSuffix)) {
      if (!name.ends_with(".weight.indices") && !name.ends_with(".weight.shape"))
        out.tensors.emplace_back(name, tensor);
      continue;
    }
    const std::string weight = name.substr(0, name.size() - kCodebookSuffix.size()) + ".weight";
    const std::vector<float> codebook = tensor.to_plain();
    MINNOW_CHECK(tensor.dtype() == DType::f32 && static_cast<int64_t>(codebook.size()) == int64_t{1} << bits, where,
                 ": ", name, " should be ", 1 << bits, " f32 centroids, got ", dims_str(tensor.dims()));
    const Tensor& shape = file.at(weight + ".shape");
    const Tensor& indices = file.at(weight + ".indices");
    MINNOW_CHECK(shape.dtype() == DType::s32 && indices.dtype() == DType::u8, where, ": ", weight,
                 ".shape should be s32 and ", weight, ".indices u8");
    Dims dims;
    for (const float d : shape.to_plain()) dims.push_back(static_cast<int64_t>(d));
    MINNOW_CHECK(!dims.empty() && std::all_of(dims.begin(), dims.end(), [](int64_t d) { return d > 0; }), where, ": ",
                 weight, ".shape should hold positive dims, got ", dims_str(dims));
    const std::vector<uint8_t> codes =
        unpack_bits({indices.data<uint8_t>(), static_cast<size_t>(indices.numel())}, bits, product(dims));
    std::vector<float> values(codes.size());
    for (size_t i = 0; i < codes.size(); ++i) values[i] = codebook[codes[i]];
    out.tensors.emplace_back(weight, Tensor::from_plain(dims, values));
  }
  return out;
}

}  // namespace minnow
