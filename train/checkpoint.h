// Training checkpoints (DESIGN.md section 8): model weights and buffers, optimizer
// state, the position in the run (epoch, step, global step, best accuracy), every
// RNG state the model holds (dropout masks), and the full resolved config, written
// atomically with a content checksum.
#pragma once

#include <string>

#include "models/module.h"
#include "train/checkpoint_io.h"
#include "train/config.h"
#include "train/optimizer.h"
#include "train/run_position.h"

namespace minnow {

void save_checkpoint(const std::string& path, Module& model, const Optimizer& optimizer, const RunPosition& position,
                     const Config& config, const AtomicWriteOptions& options = {});

struct LoadedCheckpoint {
  RunPosition position;
  std::string config_yaml;
};

// Restores model (and optimizer, when given) from path; errors name the file.
LoadedCheckpoint load_checkpoint(const std::string& path, Module& model, Optimizer* optimizer);
// The same from a file read_checkpoint_file has read and verified; source names it.
LoadedCheckpoint restore_checkpoint(SafeTensors file, const std::string& source, Module& model, Optimizer* optimizer);

// The config stored in a checkpoint, for rebuilding its model (eval, export).
Config checkpoint_config(const std::string& path);
// A command's source: a run folder's last.safetensors (best.safetensors with best) or a
// checkpoint file itself; `command` ("export", "prune") starts every message.
std::string run_checkpoint_file(const std::string& source, bool best, const std::string& command);
Config checkpoint_config(const SafeTensors& file, const std::string& source);

}  // namespace minnow
