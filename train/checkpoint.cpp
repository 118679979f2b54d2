// Checkpoint layout: tensors "model.<name>" and "optim.<name>"; metadata "format",
// "config" (YAML), "epoch", "step", "global_step", "best_top1", "train_seconds", and
// "rng.<module>" for each dropout and stochastic-depth generator (four hex words).
#include "train/checkpoint.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <type_traits>

#include "core/error.h"
#include "models/layers.h"
#include "train/feature_adapters.h"
#include "train/prune/weight_mask.h"
#include "train/state_dict.h"

namespace minnow {
namespace {

constexpr const char* kFormat = "minnow-checkpoint-1";

std::string encode_rng(const Rng::State& s) {
  char text[80];
  std::snprintf(text, sizeof text, "%016llx %016llx %016llx %016llx", static_cast<unsigned long long>(s[0]),
                static_cast<unsigned long long>(s[1]), static_cast<unsigned long long>(s[2]),
                static_cast<unsigned long long>(s[3]));
  return text;
}

Rng::State decode_rng(const std::string& text, const std::string& where) {
  Rng::State s{};
  std::istringstream in(text);
  for (auto& word : s) in >> std::hex >> word;
  MINNOW_CHECK(!in.fail(), where, ": expected four hex words, got '", printable(text), "'");
  return s;
}

const std::string& meta(const SafeTensors& file, const std::string& key, const std::string& path) {
  const auto it = file.metadata.find(key);
  MINNOW_CHECK(it != file.metadata.end(), "checkpoint ", path, ": metadata '", key, "' is missing");
  return it->second;
}

// The number a metadata value holds, the whole text (std::to_string's form, as
// save_checkpoint writes it), at least low.
template <class T>
T meta_number(const SafeTensors& file, const std::string& key, const std::string& path, T low) {
  const std::string& text = meta(file, key, path);
  T value{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  bool ok = ec == std::errc() && end == text.data() + text.size() && value >= low;
  if constexpr (std::is_floating_point_v<T>) ok = ok && std::isfinite(value);
  MINNOW_CHECK(ok, "checkpoint ", path, ": metadata '", key, "' should be ",
               std::is_integral_v<T> ? "an integer" : "a finite number", " >= ", low, ", got '", printable(text), "'");
  return value;
}

}  // namespace

void save_checkpoint(const std::string& path, Module& model, const Optimizer& optimizer, const RunPosition& position,
                     const Config& config, const AtomicWriteOptions& options) {
  SafeTensors file = state_dict(model, "model.");
  for (auto& [name, tensor] : optimizer.state()) file.tensors.emplace_back("optim." + name, std::move(tensor));
  file.metadata = {{"format", kFormat},
                   {"config", to_yaml(config)},
                   {"epoch", std::to_string(position.epoch)},
                   {"step", std::to_string(position.step)},
                   {"global_step", std::to_string(position.global_step)},
                   {"best_top1", std::to_string(position.best_top1)},
                   {"train_seconds", std::to_string(position.train_seconds)}};
  for (const auto& [name, module] : model.named_modules())
    if (auto* layer = dynamic_cast<MaskLayer*>(module)) file.metadata["rng." + name] = encode_rng(layer->rng().state());
  write_checkpoint_file(path, file, options);
}

LoadedCheckpoint load_checkpoint(const std::string& path, Module& model, Optimizer* optimizer) {
  return restore_checkpoint(read_checkpoint_file(path), path, model, optimizer);
}

LoadedCheckpoint restore_checkpoint(SafeTensors file, const std::string& path, Module& model, Optimizer* optimizer) {
  drop_absent_adapters(file, model, "model.");
  drop_absent_masks(file, model, "model.");
  MINNOW_CHECK(meta(file, "format", path) == kFormat, "checkpoint ", path, ": format '",
               printable(meta(file, "format", path)), "', expected '", kFormat, "'");
  load_state_dict(model, file, "checkpoint " + path, "model.");
  if (optimizer != nullptr) {
    NamedTensors state;
    for (const auto& [name, tensor] : file.tensors)
      if (name.starts_with("optim.")) state.emplace_back(name.substr(6), tensor);
    optimizer->load_state(state);
  }
  for (const auto& [name, module] : model.named_modules())
    if (auto* layer = dynamic_cast<MaskLayer*>(module))
      layer->rng().set_state(decode_rng(meta(file, "rng." + name, path), "checkpoint " + path + ": rng." + name));

  LoadedCheckpoint out;
  out.config_yaml = meta(file, "config", path);
  out.position.epoch = meta_number<int64_t>(file, "epoch", path, 0);
  out.position.step = meta_number<int64_t>(file, "step", path, 0);
  out.position.global_step = meta_number<int64_t>(file, "global_step", path, 0);
  out.position.best_top1 = meta_number<double>(file, "best_top1", path, -1);
  out.position.train_seconds = meta_number<double>(file, "train_seconds", path, 0);
  return out;
}

Config checkpoint_config(const std::string& path) { return checkpoint_config(read_checkpoint_file(path), path); }

Config checkpoint_config(const SafeTensors& file, const std::string& path) {
  return parse_config(meta(file, "config", path), "checkpoint " + path + " (config)");
}

std::string run_checkpoint_file(const std::string& source, bool best, const std::string& command) {
  namespace fs = std::filesystem;
  if (!fs::is_directory(source)) {
    MINNOW_CHECK(fs::exists(source), command, ": '", source, "' does not exist; expected a run folder or a checkpoint");
    MINNOW_CHECK(!best, command, ": --best picks best.safetensors in a run folder, but '", source, "' is a file");
    return source;
  }
  const std::string which = best ? "best" : "last";
  const std::string path = (fs::path(source) / (which + ".safetensors")).string();
  MINNOW_CHECK(fs::exists(path), command, ": run folder '", source, "' has no ", which, ".safetensors");
  return path;
}

}  // namespace minnow
