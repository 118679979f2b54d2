// The format comes from the file's metadata "format"; anything without a minnow
// format is taken as a plain state dict (torchvision's names, no prefix). A weight-sharing
// export ("minnow-shared-1") is expanded to the float export it stands for.
#include "train/weights_file.h"

#include <charconv>
#include <cmath>
#include <filesystem>
#include <type_traits>

#include "core/error.h"
#include "train/checkpoint_io.h"
#include "train/config.h"
#include "train/feature_adapters.h"
#include "train/share/shared_file.h"
#include "train/state_dict.h"

namespace minnow {
namespace {

constexpr const char* kExportFormat = "minnow-weights-1";
constexpr const char* kCheckpointFormat = "minnow-checkpoint-1";

std::string metadata_value(const SafeTensors& file, const std::string& key) {
  const auto it = file.metadata.find(key);
  return it == file.metadata.end() ? "" : it->second;
}

}  // namespace

const char* weights_format_name(WeightsFormat format) {
  switch (format) {
    case WeightsFormat::minnow_export: return "minnow export";
    case WeightsFormat::checkpoint: return "minnow checkpoint";
    case WeightsFormat::state_dict: return "state dict";
  }
  return "?";
}

WeightsFormat load_weights(Module& model, const std::string& path, const std::string& model_name,
                           const std::string& source) {
  const std::string where = source + " '" + path + "'";
  MINNOW_CHECK(std::filesystem::is_regular_file(path), where, ": no such file");
  SafeTensors file = load_safetensors(path);
  const std::string format = metadata_value(file, "format");
  WeightsFormat kind = WeightsFormat::state_dict;
  std::string prefix, file_model;
  if (format == kCheckpointFormat) {
    kind = WeightsFormat::checkpoint;
    file = read_checkpoint_file(path);
    prefix = "model.";
    drop_absent_adapters(file, model, prefix);
    file_model = parse_config(metadata_value(file, "config"), where + " (config)").model.name;
  } else if (format == kExportFormat || format == kSharedWeightsFormat) {
    kind = WeightsFormat::minnow_export;
    if (format == kSharedWeightsFormat) file = expand_shared_file(file, where);
    file_model = metadata_value(file, "model.name");
  } else {
    MINNOW_CHECK(format.empty() || !format.starts_with("minnow-"), where, ": metadata format '", printable(format),
                 "', expected ", kExportFormat, ", ", kSharedWeightsFormat, " or ", kCheckpointFormat);
  }
  try {
    load_state_dict(model, file, where, prefix);
  } catch (const Error& e) {
    if (file_model.empty() || file_model == model_name) throw;
    MINNOW_FAIL(e.what(), " (the file holds ", printable(file_model), " weights; the model is ", model_name, ")");
  }
  return kind;
}

std::optional<ModelConfig> recorded_model_config(const std::string& path, const std::string& source) {
  const std::optional<Config> config = recorded_config(path, source);
  return config ? std::optional<ModelConfig>(config->model) : std::nullopt;
}

std::optional<ModelConfig> recorded_model_config(const SafeTensors& file, const std::string& where) {
  const std::optional<Config> config = recorded_config(file, where);
  return config ? std::optional<ModelConfig>(config->model) : std::nullopt;
}

std::optional<Config> recorded_config(const std::string& path, const std::string& source) {
  const std::string where = source + " '" + path + "'";
  MINNOW_CHECK(std::filesystem::is_regular_file(path), where, ": no such file");
  return recorded_config(load_safetensors(path), where);
}

std::optional<Config> recorded_config(const SafeTensors& file, const std::string& where) {
  const std::string format = metadata_value(file, "format");
  if (format == kCheckpointFormat) return parse_config(metadata_value(file, "config"), where + " (config)");
  if (format != kExportFormat && format != kSharedWeightsFormat) return std::nullopt;
  // The whole text as export_weights writes it (std::to_string): ints, and a finite width.
  auto number = [&]<class T>(const std::string& key, T value) {
    const std::string text = metadata_value(file, key);
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    bool ok = ec == std::errc() && end == text.data() + text.size();
    if constexpr (std::is_floating_point_v<T>) ok = ok && std::isfinite(value);
    MINNOW_CHECK(ok, where, ": metadata '", key, "' should be ", std::is_integral_v<T> ? "an integer" : "a finite number",
                 ", got '", printable(text), "'");
    return value;
  };
  Config config;
  ModelConfig& m = config.model;
  m.name = metadata_value(file, "model.name");
  m.width = number("model.width", 0.0);
  m.resolution = number("model.resolution", 0);
  m.num_classes = number("model.num_classes", 0);
  m.in_channels = number("model.in_channels", 0);
  m.small_input = metadata_value(file, "model.small_input") == "true";
  m.groups = number("model.groups", 0);
  return config;
}

}  // namespace minnow
