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
#include "train/prune/weight_mask.h"
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

ModelTensors read_model_tensors(const std::string& path, const std::string& source) {
  ModelTensors out;
  out.where = source + " '" + path + "'";
  MINNOW_CHECK(std::filesystem::is_regular_file(path), out.where, ": no such file");
  out.file = load_safetensors(path);
  const std::string format = metadata_value(out.file, "format");
  if (format == kCheckpointFormat) {
    out.format = WeightsFormat::checkpoint;
    out.file = read_checkpoint_file(path);
    out.prefix = "model.";
    out.model_name = parse_config(metadata_value(out.file, "config"), out.where + " (config)").model.name;
  } else if (format == kExportFormat || format == kSharedWeightsFormat) {
    out.format = WeightsFormat::minnow_export;
    if (format == kSharedWeightsFormat) out.file = expand_shared_file(out.file, out.where);
    out.model_name = metadata_value(out.file, "model.name");
  } else {
    MINNOW_CHECK(format.empty() || !format.starts_with("minnow-"), out.where, ": metadata format '",
                 printable(format), "', expected ", kExportFormat, ", ", kSharedWeightsFormat, " or ",
                 kCheckpointFormat);
  }
  return out;
}

WeightsFormat load_weights(Module& model, const std::string& path, const std::string& model_name,
                           const std::string& source) {
  ModelTensors read = read_model_tensors(path, source);
  if (read.format == WeightsFormat::checkpoint) {
    drop_absent_adapters(read.file, model, read.prefix);
    drop_absent_masks(read.file, model, read.prefix);
  }
  try {
    load_state_dict(model, read.file, read.where, read.prefix);
  } catch (const Error& e) {
    if (read.model_name.empty() || read.model_name == model_name) throw;
    MINNOW_FAIL(e.what(), " (the file holds ", printable(read.model_name), " weights; the model is ", model_name, ")");
  }
  return read.format;
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
  const std::string channels = metadata_value(file, "model.channels");
  for (size_t begin = 0; begin < channels.size();) {
    const size_t end = std::min(channels.find(',', begin), channels.size());
    m.channels.push_back(channels.substr(begin, end - begin));
    begin = end + 1;
  }
  return config;
}

}  // namespace minnow
