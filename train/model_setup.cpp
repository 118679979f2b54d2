// Config-to-model glue and the weight export format ("minnow-weights-1").
#include "train/model_setup.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"
#include "train/binarize/prepare_binarize.h"
#include "train/feature_adapters.h"
#include "train/prune/weight_mask.h"
#include "train/qat/prepare_qat.h"
#include "train/share/prepare_share.h"
#include "train/state_dict.h"
#include "train/weights_file.h"

namespace minnow {

ModelSpec model_spec(const ModelConfig& m, uint64_t seed) {
  ModelSpec spec = m;
  spec.seed = seed;
  return spec;
}

std::shared_ptr<Module> build_model(const Config& config) {
  auto model = create_model(model_spec(config.model, static_cast<uint64_t>(config.seed)));
  const std::string& init = config.model.init_weights;
  if (!init.empty()) {
    MINNOW_CHECK(std::filesystem::exists(init), "config: model.init_weights: file '", init, "' does not exist");
    load_weights(*model, init, config.model.name, "model.init_weights");
  }
  return model;
}

std::shared_ptr<Module> create_run_model(const Config& config) {
  auto model = create_model(model_spec(config.model, static_cast<uint64_t>(config.seed)));
  if (config.qat.enabled) prepare_qat(*model, config.qat);
  if (config.binarize.enabled) (void)prepare_binarize(*model, config.binarize);
  if (config.share.enabled) prepare_share(*model, config.share);
  return model;
}

namespace {

// Whether a weight-sharing run's weights file holds codebooks (a checkpoint does, the exports
// hold the shared weights as floats); only then does the run model get them.
bool holds_codebooks(const std::string& weights) {
  if (!std::filesystem::is_regular_file(weights)) return true;  // load_weights names the missing file
  const SafeTensors file = load_safetensors(weights);
  return std::any_of(file.tensors.begin(), file.tensors.end(),
                     [](const auto& entry) { return is_codebook_tensor(entry.first); });
}

}  // namespace

RunModel load_run_model(const Config& config, const std::string& weights, const std::string& source) {
  Config run = config;
  run.share.enabled = config.share.enabled && holds_codebooks(weights);
  auto model = create_run_model(run);
  const WeightsFormat format = load_weights(*model, weights, config.model.name, source);
  return {std::move(model), format};
}

std::map<std::string, std::string> model_metadata(const ModelConfig& m) {
  std::string channels;  // "layer:channels" entries joined by commas, as recorded_config splits them
  for (const auto& entry : m.channels) channels += (channels.empty() ? "" : ",") + entry;
  return {{"model.name", m.name},
          {"model.channels", channels},
          {"model.width", std::to_string(m.width)},
          {"model.resolution", std::to_string(m.resolution)},
          {"model.num_classes", std::to_string(m.num_classes)},
          {"model.in_channels", std::to_string(m.in_channels)},
          {"model.small_input", m.small_input ? "true" : "false"},
          {"model.groups", std::to_string(m.groups)}};
}

void export_weights(const std::string& path, const Module& model, const ModelConfig& m) {
  SafeTensors file = state_dict(model);
  std::erase_if(file.tensors,
                [](const auto& entry) {
                  return is_adapter_tensor(entry.first) || is_mask_tensor(entry.first) || is_codebook_tensor(entry.first);
                });
  file.metadata = model_metadata(m);
  file.metadata["format"] = "minnow-weights-1";
  save_safetensors(path, file);
}

int64_t exported_parameters(const Module& model) {
  int64_t count = 0;
  for (const auto& p : model.named_parameters())
    if (!is_adapter_tensor(p.name) && !is_codebook_tensor(p.name)) count += product(p.shape);
  return count;
}

}  // namespace minnow
