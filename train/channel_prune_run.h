// Pruning a finished run's channels, as `minnow prune` does: the model is rebuilt from the
// checkpoint's stored config with its weights, pruned (models/channel_prune.h) and written
// to a new folder as an ordinary smaller model:
//   <output>/pruned.safetensors  the pruned weights, a minnow export whose metadata holds the plan;
//   <output>/config.yaml         the run's config with model.channels set to the plan,
//                                model.init_weights to pruned.safetensors and output to <output>:
//                                `minnow train <output>/config.yaml` fine-tunes the pruned model.
// Messages name the CLI's arguments (--ratio, --criterion, --exclude, --best).
#pragma once

#include <string>
#include <vector>

#include "models/channel_prune.h"
#include "train/config.h"

namespace minnow {

struct PruneRunOptions {
  std::string source;  // a run folder (its last.safetensors, or best) or a checkpoint file
  std::string output;  // the folder to write
  bool best = false;
  ChannelPruneOptions prune{};
};

struct PruneRunResult {
  std::string checkpoint;  // the file pruned
  int64_t params_before = 0, params_after = 0;
  int64_t macs_before = 0, macs_after = 0;  // of one image at the run's resolution
  ChannelPruneResult prune;
  std::vector<std::string> plan;  // the whole plan, earlier prunings included
};

PruneRunResult prune_run(const PruneRunOptions& options);

// Writes <folder>/pruned.safetensors and <folder>/config.yaml as above for a model built to
// `plan` from config (minnow prune, minnow adapt); `origin` starts the config's first comment
// ("channel-pruned from runs/x/last.safetensors"). Returns the weights path.
std::string write_pruned_model(const std::string& folder, const Module& model, Config config,
                               const std::vector<std::string>& plan, const std::string& origin);

// "l1", "l2" or "fpgm"; anything else is an error naming --criterion.
PruneCriterion parse_criterion(const std::string& text);

}  // namespace minnow
