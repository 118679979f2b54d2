// Building the configured model: the zoo spec from the config's model section,
// optional starting weights (model.init_weights: a minnow export, a checkpoint or a
// torchvision state dict saved as safetensors), and the export of trained weights with the
// model config in the file's metadata, so the file describes itself.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "models/zoo.h"
#include "train/config.h"
#include "train/weights_file.h"

namespace minnow {

// The three ways to a model, from the bare zoo network to the one a finished run holds:
// - create_model(spec) (models/zoo.h): the zoo network, randomly initialised from spec.seed;
// - build_model(config): the network a training run starts from: create_model with the
//   run's seed, then the starting weights of model.init_weights when set. The trainer's
//   hooks then change it (QAT quantizers, distillation adapters);
// - create_run_model(config): the network a run's checkpoints and exports load into, for
//   eval, predict and export: create_model, prepared for QAT when qat.enabled, binarized
//   when binarize.enabled and shared when share.enabled (empty codebooks), no weights;
// - load_run_model(config, weights): create_run_model with a weights file loaded (eval,
//   predict, the Python module's minnow.load); a weight-sharing run's exports hold plain
//   float weights, so they load into the model without codebooks.

ModelSpec model_spec(const ModelConfig& model, uint64_t seed);

std::shared_ptr<Module> build_model(const Config& config);

std::shared_ptr<Module> create_run_model(const Config& config);

struct RunModel {
  std::shared_ptr<Module> model;
  WeightsFormat format;  // what the weights file was
};
// weights: a minnow export, a checkpoint or a state dict (train/weights_file.h); source
// ("--weights") starts every message.
RunModel load_run_model(const Config& config, const std::string& weights, const std::string& source);

// The model section as an export's metadata ("model.name", "model.width", ...), from which
// weights_file.cpp reads it back; every export format writes this same block.
std::map<std::string, std::string> model_metadata(const ModelConfig& model_config);

// Float32 weights and buffers in plain layout with torchvision's names where it has the model;
// distillation adapters (train/feature_adapters.h), pruning masks (train/prune/weight_mask.h)
// and weight-sharing codebooks are left out: pruned weights are stored as zeros, a shared
// layer's weight holds codebook[indices].
void export_weights(const std::string& path, const Module& model, const ModelConfig& model_config);
// The parameter count of that export: without adapters and codebooks.
int64_t exported_parameters(const Module& model);

}  // namespace minnow
