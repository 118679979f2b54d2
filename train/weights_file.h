// Weights from any file minnow meets, into a built model: its own export
// ("minnow-weights-1", model.safetensors, or its weight-sharing form "minnow-shared-1"), a training checkpoint
// ("minnow-checkpoint-1": its "model." tensors, checksum verified) or a torchvision
// state dict saved as safetensors. Loading is strict; errors name the file and tensors.
#pragma once

#include <optional>
#include <string>

#include "core/safetensors.h"
#include "models/module.h"
#include "train/config.h"

namespace minnow {

enum class WeightsFormat { minnow_export, checkpoint, state_dict };

const char* weights_format_name(WeightsFormat format);

// A weights file's tensors as read, checked and named: a checkpoint's model tensors are its
// prefix + name ("model.features.0.0.weight"), an export's and a state dict's the bare names.
struct ModelTensors {
  SafeTensors file;
  WeightsFormat format = WeightsFormat::state_dict;
  std::string prefix;      // "model." for a checkpoint
  std::string model_name;  // the zoo name an export or checkpoint records; "" for a state dict
  std::string where;       // source and path, for messages
};
ModelTensors read_model_tensors(const std::string& path, const std::string& source);

// Loads path into model and says what the file was. source ("--weights",
// "model.init_weights") starts every message; model_name is the model's zoo name,
// named in the message when an export or checkpoint of another model does not fit.
WeightsFormat load_weights(Module& model, const std::string& path, const std::string& model_name,
                           const std::string& source);

// The model section a minnow export (its metadata) or checkpoint (its config) records;
// nullopt for a plain state dict, which records none. source starts every message.
std::optional<ModelConfig> recorded_model_config(const std::string& path, const std::string& source);
// The same from a decoded file; where (source and path) starts every message.
std::optional<ModelConfig> recorded_model_config(const SafeTensors& file, const std::string& where);
// The run config such a file records: a checkpoint's whole config; an export's model section,
// every other key at its default; nullopt for a plain state dict.
std::optional<Config> recorded_config(const std::string& path, const std::string& source);
std::optional<Config> recorded_config(const SafeTensors& file, const std::string& where);

}  // namespace minnow
