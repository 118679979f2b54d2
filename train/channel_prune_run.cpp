// prune_run: read the checkpoint and its config, prune, write the weights and the config.
#include "train/channel_prune_run.h"

#include <filesystem>

#include "core/error.h"
#include "models/model_stats.h"
#include "train/checkpoint.h"
#include "train/metrics.h"
#include "train/model_setup.h"
#include "train/weights_file.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;

ModelStats stats_of(Module& model, const ModelConfig& m) {
  return model_stats(model, {.resolution = m.resolution, .in_channels = m.in_channels, .measure_latency = false});
}

}  // namespace

std::string write_pruned_model(const std::string& folder, const Module& model, Config config,
                               const std::vector<std::string>& plan, const std::string& origin) {
  const std::string weights = (fs::path(folder) / "pruned.safetensors").string();
  config.model.channels = plan;
  config.model.init_weights = weights;
  config.output = folder;
  config.resume = "";
  fs::create_directories(folder);
  export_weights(weights, model, config.model);
  write_text_file((fs::path(folder) / "config.yaml").string(),
                  "# " + origin + ": minnow train this file to fine-tune it\n" + to_yaml(config));
  return weights;
}

PruneCriterion parse_criterion(const std::string& text) {
  if (text == "l1") return PruneCriterion::l1;
  if (text == "l2") return PruneCriterion::l2;
  if (text == "fpgm") return PruneCriterion::fpgm;
  MINNOW_FAIL("--criterion: expected l1, l2 or fpgm, got '", text, "'");
}

PruneRunResult prune_run(const PruneRunOptions& a) {
  PruneRunResult r;
  r.checkpoint = run_checkpoint_file(a.source, a.best, "prune");
  std::optional<Config> recorded = recorded_config(r.checkpoint, "prune: " + r.checkpoint);
  MINNOW_CHECK(recorded.has_value(), "prune: ", r.checkpoint,
               " holds no run config; expected a checkpoint or a minnow export");
  Config config = *recorded;
  MINNOW_CHECK(!config.qat.enabled, "prune: ", r.checkpoint,
               " is a QAT run (qat.enabled: true); prune the float model, then run QAT on the pruned one");
  MINNOW_CHECK(!a.output.empty(), "prune: -o: expected an output folder, got an empty path");
  MINNOW_CHECK(!fs::exists(a.output) || fs::is_directory(a.output), "prune: -o: expected a folder, got the file '",
               a.output, "'");
  MINNOW_CHECK(!fs::exists(fs::path(a.output) / "pruned.safetensors"), "prune: -o: '", a.output,
               "' already holds pruned.safetensors; expected a new folder (nothing is overwritten)");

  auto model = load_run_model(config, r.checkpoint, "prune: " + r.checkpoint).model;
  const ModelStats before = stats_of(*model, config.model);
  const int64_t side = config.model.resolution;
  r.prune = prune_channels(*model, {1, config.model.in_channels, side, side}, a.prune);
  const ModelStats after = stats_of(*model, config.model);
  r.params_before = before.params, r.params_after = after.params;
  r.macs_before = before.macs, r.macs_after = after.macs;
  r.plan = merge_channel_plans(config.model.channels, r.prune.plan);

  write_pruned_model(a.output, *model, config, r.plan, "channel-pruned from " + r.checkpoint);
  return r;
}

}  // namespace minnow
