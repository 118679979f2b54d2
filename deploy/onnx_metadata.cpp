// onnx_metadata: what a consumer needs to feed the exported model and read its output.
#include <sstream>

#include "deploy/onnx_export.h"
#include "train/model_setup.h"

namespace minnow {
namespace {

std::string joined(const std::vector<double>& v) {
  std::ostringstream out;
  for (size_t i = 0; i < v.size(); ++i) out << (i ? "," : "") << v[i];
  return out.str();
}

}  // namespace

std::map<std::string, std::string> onnx_metadata(const Config& config) {
  std::map<std::string, std::string> out = model_metadata(config.model);
  const TransformConfig& t = config.data.transforms;
  out["config"] = to_yaml(config);
  out["num_classes"] = std::to_string(config.model.num_classes);
  out["input"] = "(N, " + std::to_string(config.model.in_channels) + ", " + std::to_string(config.model.resolution) +
                 ", " + std::to_string(config.model.resolution) +
                 ") float32: pixels on [0, 1]" + (t.resize ? ", shorter side resized to " + std::to_string(t.resize) : "") +
                 (t.crop ? ", centre-cropped to " + std::to_string(t.crop) : "") +
                 (t.mean.empty() ? "" : ", minus mean, divided by std, channel by channel");
  out["mean"] = joined(t.mean);
  out["std"] = joined(t.std);
  std::string names;
  for (size_t i = 0; i < config.data.class_names.size(); ++i) names += (i ? "," : "") + config.data.class_names[i];
  if (!names.empty()) out["class_names"] = names;
  return out;
}

}  // namespace minnow
