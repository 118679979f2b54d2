// `minnow adapt CONFIG [--set key=value]... (--budget-ms X | --budget-macs N) -o DIR [--step-ms X | --step-fraction F]
// [--decay D] [--short-steps S] [--max-iterations N] [--holdout H] [--table-samples K]`:
// NetAdapt on the trained model that CONFIG's model.init_weights holds (train/adapt/netadapt.h);
// `minnow train DIR/config.yaml` then fine-tunes the adapted model.
#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "train/adapt/netadapt.h"
#include "train/cli/commands.h"

namespace minnow::cli {
namespace {

int run_adapt(const AdaptOptions& a, const std::vector<std::string>& overrides) {
  const AdaptResult r = netadapt(load_config(a.config_path, overrides), a);
  const char* unit = r.latency ? "ms" : "Mult-Adds";
  if (r.latency) {
    std::printf("latency table: %s %lld entries (%s/latency_table.json)\n", r.table_measured ? "measured" : "reused",
                static_cast<long long>(r.table_entries), a.output.c_str());
  }
  std::printf("%lld iteration(s): estimated %.6g -> %.6g %s (budget %.6g, %s), holdout top-1 %.2f%%\n",
              static_cast<long long>(r.iterations), r.start, r.final, unit, r.budget,
              r.budget_met ? "met" : ("NOT met: " + r.stopped_by).c_str(), r.holdout_top1);
  std::printf("measured batch-1 latency %.4g -> %.4g ms, Mult-Adds %lld -> %lld, parameters %lld -> %lld\n",
              r.start_measured_ms, r.final_measured_ms, static_cast<long long>(r.macs_start),
              static_cast<long long>(r.macs_final), static_cast<long long>(r.params_start),
              static_cast<long long>(r.params_final));
  std::printf(
      "wrote %s/pruned.safetensors, %s/config.yaml (minnow train %s/config.yaml fine-tunes it) and "
      "%s/adapt.jsonl\n",
      a.output.c_str(), a.output.c_str(), a.output.c_str(), a.output.c_str());
  return 0;
}

}  // namespace

void add_adapt_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<AdaptOptions>();
  auto values = std::make_shared<std::array<double, 3>>();  // budget-ms, budget-macs, step-ms
  auto overrides = std::make_shared<std::vector<std::string>>();
  auto* cmd =
      app.add_subcommand("adapt", "NetAdapt: shrink a trained model's channels to a latency or Mult-Add budget");
  cmd->add_option("config", args->config_path, "Training config; its model.init_weights is the trained model")
      ->required();
  cmd->add_option("--set", *overrides, "Override a config key: --set model.init_weights=run/model.safetensors");
  cmd->add_option("-o,--output", args->output,
                  "Folder for pruned.safetensors, config.yaml, adapt.jsonl and the "
                  "latency table")
      ->required();
  auto* budget_ms = cmd->add_option("--budget-ms", (*values)[0], "Estimated batch-1 latency to reach, milliseconds");
  auto* budget_macs = cmd->add_option("--budget-macs", (*values)[1], "Mult-Adds of one image to reach");
  auto* step_ms = cmd->add_option("--step-ms", (*values)[2], "First iteration's latency reduction (--budget-ms)");
  cmd->add_option("--step-fraction", args->step_fraction, "First iteration's reduction, share of the start")
      ->capture_default_str();
  cmd->add_option("--decay", args->decay, "Each iteration's step is the last one's times this")->capture_default_str();
  cmd->add_option("--short-steps", args->short_steps, "Optimizer steps of each candidate's short fine-tune")
      ->capture_default_str();
  cmd->add_option("--max-iterations", args->max_iterations, "Stop after this many iterations")->capture_default_str();
  cmd->add_option("--holdout", args->holdout,
                  "Share of every training class held out to score candidates, when "
                  "data.val_split is 0")
      ->capture_default_str();
  cmd->add_option("--table-samples", args->table.samples, "Latency table: channel counts sampled per dimension")
      ->capture_default_str();
  cmd->callback([=, &action] {
    if (budget_ms->count() > 0) args->budget_ms = (*values)[0];
    if (budget_macs->count() > 0) args->budget_macs = (*values)[1];
    if (step_ms->count() > 0) args->step_ms = (*values)[2];
    action = [args, overrides] { return run_adapt(*args, *overrides); };
  });
}

}  // namespace minnow::cli
