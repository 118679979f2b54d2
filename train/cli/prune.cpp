// `minnow prune <run-dir|checkpoint> --ratio R [--criterion l1|l2|fpgm] [--exclude LAYER]...
// [--best] -o DIR`: removes the share R of every channel group's lowest-scoring units and
// writes the smaller model with a config that fine-tunes it (train/channel_prune_run.h).
#include <cstdio>

#include "train/channel_prune_run.h"
#include "train/cli/commands.h"

namespace minnow::cli {
namespace {

int run_prune(PruneRunOptions a, const std::string& criterion) {
  a.prune.criterion = parse_criterion(criterion);
  const PruneRunResult r = prune_run(a);
  std::printf("pruned %lld of %lld channel units (%s) of %s\n", static_cast<long long>(r.prune.units_removed),
              static_cast<long long>(r.prune.units_total), criterion_name(a.prune.criterion), r.checkpoint.c_str());
  std::printf("parameters %lld -> %lld (%.3fx), Mult-Adds %lld -> %lld (%.3fx)\n",
              static_cast<long long>(r.params_before), static_cast<long long>(r.params_after),
              static_cast<double>(r.params_after) / static_cast<double>(r.params_before),
              static_cast<long long>(r.macs_before), static_cast<long long>(r.macs_after),
              static_cast<double>(r.macs_after) / static_cast<double>(r.macs_before));
  std::printf("wrote %s/pruned.safetensors and %s/config.yaml (minnow train %s/config.yaml fine-tunes it)\n",
              a.output.c_str(), a.output.c_str(), a.output.c_str());
  return 0;
}

}  // namespace

void add_prune_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<PruneRunOptions>();
  auto criterion = std::make_shared<std::string>("l1");
  auto* cmd = app.add_subcommand("prune", "Remove channels from a trained model, leaving an ordinary smaller model");
  cmd->add_option("source", args->source, "Run folder (its last.safetensors) or checkpoint file")->required();
  cmd->add_option("-o,--output", args->output, "Folder to write pruned.safetensors and config.yaml to")->required();
  cmd->add_option("--ratio", args->prune.ratio, "Share of each channel group's units to remove, in [0, 1)")
      ->required();
  cmd->add_option("--criterion", *criterion, "l1 or l2 (filter norm), or fpgm (distance to the geometric median)")
      ->capture_default_str();
  cmd->add_option("--exclude", args->prune.exclude, "A layer (dotted name or prefix) whose groups stay whole");
  cmd->add_flag("--best", args->best, "From a run folder, prune best.safetensors instead of last.safetensors");
  cmd->callback([args, criterion, &action] { action = [args, criterion] { return run_prune(*args, *criterion); }; });
}

}  // namespace minnow::cli
