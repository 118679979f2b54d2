// export_checkpoint and each format's writer.
#include "deploy/export_run.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "core/error.h"
#include "core/safetensors.h"
#include "data/loader.h"
#include "deploy/onnx_export.h"
#include "train/checkpoint.h"
#include "train/data_setup.h"
#include "train/model_setup.h"
#include "train/qat/int8_model.h"
#include "train/share/shared_file.h"

namespace minnow {
namespace {

// The int8 model of a QAT run: s8 weights, their per-channel scales, f32 biases (BN folded
// in), every activation scale, and the scheme in the metadata.
void export_int8(const std::string& path, Module& model, const Config& config) {
  MINNOW_CHECK(config.qat.enabled, "export: --format int8 needs a QAT run; this checkpoint's config has qat.enabled: false");
  const int64_t r = config.model.resolution;
  const auto int8 = convert_int8(model, {1, config.model.in_channels, r, r});
  SafeTensors file;
  for (const auto& t : int8->tensors()) file.tensors.emplace_back(t.name, t.tensor);
  file.metadata = model_metadata(config.model);
  file.metadata.insert({{"format", "minnow-int8-1"},
                        {"scheme",
                         "weights: s8 symmetric per output channel, real = weight_scale[o] * q, BN folded into "
                         "weight and bias; activations: per tensor, zero point 0, real = scale * q, u8 after "
                         "relu/relu6, s8 elsewhere; <conv>.output_scale is the scale of that conv's (activated) "
                         "output, input_scale the image's; residual sums requantize to <block>.scale; the "
                         "classifier is f32 with fake-quantized weights"},
                        {"weight_bits", std::to_string(config.qat.weight_bits)},
                        {"activation_bits", std::to_string(config.qat.activation_bits)}});
  save_safetensors(path, file);
}

// kCalibrationImages training images, as the training loader gives them (its shuffled order and
// training transform): what sets the scales that the QOperator form needs and QAT does not
// observe.
constexpr int64_t kCalibrationImages = 256;

Tensor calibration_images(const Config& config) {
  const data::DataPipeline data = data::make_data(to_data_config(config));
  std::vector<float> values;
  Dims dims;
  data.train_loader->begin_epoch(0);
  while (dims.empty() || dims[0] < kCalibrationImages) {
    std::optional<data::Batch> batch = data.train_loader->next();
    if (!batch) break;
    const Dims d = batch->images.dims();  // (B, C, H, W)
    const std::vector<float> v = batch->images.to_plain();
    values.insert(values.end(), v.begin(), v.end());
    dims = dims.empty() ? d : Dims{dims[0] + d[0], d[1], d[2], d[3]};
  }
  MINNOW_CHECK(!dims.empty(), "export: the training data of this run gave no images to calibrate the int8 ONNX form");
  const int64_t n = std::min(dims[0], kCalibrationImages);
  values.resize(static_cast<size_t>(n * dims[1] * dims[2] * dims[3]));
  return Tensor::from_plain({n, dims[1], dims[2], dims[3]}, values);
}

// The ONNX forms: float (any run), int8 QOperator or QDQ (a QAT run's converted model).
void export_onnx(const std::string& path, const std::string& format, Module& model, const Config& config,
                 const std::string& source) {
  const int64_t r = config.model.resolution;
  OnnxExportOptions options{.input_dims = {1, config.model.in_channels, r, r}, .metadata = onnx_metadata(config)};
  MINNOW_CHECK(!config.binarize.enabled, "export: --format ", format, " of a binarize run would hold its float latent "
               "weights, not the binarized ones; export --format safetensors and evaluate with minnow eval");
  if (format == "onnx") return export_onnx_float(path, model, options);
  MINNOW_CHECK(config.qat.enabled, "export: --format ", format, " needs a QAT run; '", source,
               "' was trained with qat.enabled: false (export it with --format onnx)");
  const auto int8 = convert_int8(model, options.input_dims);
  if (format == "onnx-int8") options.calibration = calibration_images(config);
  export_onnx_int8(path, *int8, format == "onnx-int8" ? OnnxInt8Form::qoperator : OnnxInt8Form::qdq, options);
}

}  // namespace

ExportResult export_checkpoint(const ExportOptions& a) {
  const std::vector<std::string> formats{"safetensors", "int8", "onnx", "onnx-int8", "onnx-qdq", "shared"};
  MINNOW_CHECK(std::find(formats.begin(), formats.end(), a.format) != formats.end(), "export: --format '", a.format,
               "' is not supported; expected safetensors, int8, onnx, onnx-int8, onnx-qdq or shared");
  const std::string path = run_checkpoint_file(a.source, a.best, "export");
  const SafeTensors file = load_safetensors(path);
  const auto format = file.metadata.find("format");
  const std::string found =
      format == file.metadata.end() ? "none" : std::string("'").append(printable(format->second)).append("'");
  MINNOW_CHECK(format != file.metadata.end() && format->second == "minnow-checkpoint-1", "export: '", path,
               "' is not a minnow checkpoint (metadata format ", found,
               ", expected 'minnow-checkpoint-1'); give a run folder or its last/best.safetensors");
  const Config config = checkpoint_config(path);
  auto model = create_run_model(config);
  load_checkpoint(path, *model, nullptr);
  std::optional<SharedSize> shared;
  if (a.format == "shared") {
    MINNOW_CHECK(config.share.enabled, "export: --format shared needs a weight-sharing run; '", a.source,
                 "' was trained with share.enabled: false");
    save_safetensors(a.output, shared_weights_file(*model, config.model));
    shared = shared_size(*model);
  } else if (a.format == "int8") {
    export_int8(a.output, *model, config);
  } else if (a.format.starts_with("onnx")) {
    export_onnx(a.output, a.format, *model, config, a.source);
  } else {
    export_weights(a.output, *model, config.model);
  }
  return {.checkpoint = path, .model = config.model.name, .parameters = exported_parameters(*model),
          .shared = shared};
}

}  // namespace minnow
