// The walk that attaches the codebooks, and the lookup that finds them again.
#include "train/share/prepare_share.h"

#include <algorithm>
#include <memory>

#include "core/error.h"
#include "models/layers.h"

namespace minnow {
namespace {

constexpr const char* kChild = "weight_codebook";

// A layer's "weight" parameter, with its logical dims.
NamedParameter weight_of(const Module& layer) {
  for (const NamedParameter& p : layer.named_parameters())
    if (p.name == "weight") return p;
  MINNOW_FAIL("prepare_share: ", layer.type(), " has no weight");
}

// The layer's weight, made plain, and its codebook attached as its transform.
template <class Layer>
SharedLayer share_layer(const std::string& name, Layer& layer, int bits) {
  MINNOW_CHECK(!layer.has_weight_transform(), "prepare_share: ", name,
               " already transforms its weight (QAT or sharing already applied)");
  const NamedParameter param = weight_of(layer);
  const Var& w = param.var;
  const Dims& dims = param.shape;
  if (!w.data().is_plain() || w.dims() != dims) w.set_data(Tensor::from_plain(dims, w.data().to_plain()));
  auto codebook = std::make_shared<WeightCodebook>(dims, bits);
  WeightCodebook* raw = codebook.get();
  layer.set_weight_transform([raw](const Var& weight) { return raw->forward(weight); });
  layer.add_module(kChild, std::move(codebook));
  return {name, w, raw};
}

}  // namespace

std::vector<SharedLayer> prepare_share(Module& model, const ShareConfig& config) {
  const auto modules = model.named_modules();
  for (const std::string& excluded : config.exclude) {
    const bool found = std::any_of(modules.begin(), modules.end(), [&](const auto& m) {
      return m.first == excluded && (dynamic_cast<Conv2d*>(m.second) || dynamic_cast<Linear*>(m.second));
    });
    MINNOW_CHECK(found, "share.exclude: expected dotted names of the model's Conv2d or Linear layers, got '", excluded,
                 "'");
  }
  std::vector<SharedLayer> out;
  for (const auto& [name, m] : modules) {
    if (std::find(config.exclude.begin(), config.exclude.end(), name) != config.exclude.end()) continue;
    if (auto* conv = dynamic_cast<Conv2d*>(m))
      out.push_back(share_layer(name, *conv, config.bits));
    else if (auto* linear = dynamic_cast<Linear*>(m))
      out.push_back(share_layer(name, *linear, config.bits));
  }
  return out;
}

bool is_codebook_tensor(const std::string& name) {
  return name.find(std::string(".") + kChild + ".") != std::string::npos;
}

std::vector<SharedLayer> shared_layers(Module& model) {
  std::vector<SharedLayer> out;
  for (const auto& [name, m] : model.named_modules())
    for (const auto& [child_name, child] : m->named_children())
      if (auto* codebook = dynamic_cast<WeightCodebook*>(child); codebook && child_name == kChild)
        out.push_back({name, weight_of(*m).var, codebook});
  return out;
}

}  // namespace minnow
