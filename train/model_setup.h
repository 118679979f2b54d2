// Building the configured model: the zoo spec from the config's model section,
// optional starting weights (model.init_weights: a minnow export, a checkpoint or a
// torchvision state dict saved as safetensors), and the export of trained weights with the
// model config in the file's metadata, so the file describes itself.
#pragma once

#include <memory>
#include <string>

#include "models/zoo.h"
#include "train/config.h"

namespace minnow {

ModelSpec model_spec(const ModelConfig& model, uint64_t seed);

// create_model, then model.init_weights when set (errors name the file and tensors).
std::shared_ptr<Module> build_model(const Config& config);

// The model as a run of this config holds it, without starting weights: prepared for
// QAT when qat.enabled, so that the run's checkpoints and exports load into it.
std::shared_ptr<Module> create_run_model(const Config& config);

// Float32 weights and buffers in plain layout with torchvision's names where it has the model;
// distillation adapters (train/feature_adapters.h) are left out.
void export_weights(const std::string& path, const Module& model, const ModelConfig& model_config);

}  // namespace minnow
