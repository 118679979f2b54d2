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

namespace minnow {

struct RunPosition {
  int64_t epoch = 0;        // the epoch to run next, or the one in progress
  int64_t step = 0;         // the next step within that epoch
  int64_t global_step = 0;  // optimizer steps taken so far
  double best_top1 = -1;    // best evaluation top-1 so far (percent), -1 before any
  double train_seconds = 0; // training time spent so far, carried across resumes
};

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
Config checkpoint_config(const SafeTensors& file, const std::string& source);

}  // namespace minnow
