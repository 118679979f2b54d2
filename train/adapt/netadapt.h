// NetAdapt (Yang et al. 2018, "NetAdapt: Platform-Aware Neural Network Adaptation for Mobile
// Applications"): shrinks a trained model until an estimated resource (latency from the
// lookup table, train/adapt/latency_table.h, or Mult-Adds) meets a budget. Iteration i aims at
// target_i = current - step * decay^i (never below the budget); every channel group
// (models/channel_groups.h) proposes the largest unit count that meets it, keeping the units
// of largest L2 norm; each proposal is fine-tuned briefly (train/adapt/short_finetune.h) and
// scored on a holdout part of the training set; the most accurate one is kept. The result is
// written as `minnow prune` writes its output (train/channel_prune_run.h):
//   <output>/pruned.safetensors, <output>/config.yaml  `minnow train` it for the long fine-tune;
//   <output>/adapt.jsonl          one line per iteration, then a "result" line;
//   <output>/latency_table.json   the table (latency budgets), reused by later runs on this CPU.
// Messages name the CLI's arguments (--budget-ms, --budget-macs, --step-ms, ...).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "train/adapt/latency_table.h"
#include "train/config.h"

namespace minnow {

struct AdaptOptions {
  std::string config_path;                       // the training config, for the written config's comment
  std::string output;                            // the folder to write
  std::optional<double> budget_ms, budget_macs;  // exactly one
  std::optional<double> step_ms;                 // latency budgets only; else step_fraction
  double step_fraction = 0.05;                   // of the starting model's resource
  double decay = 0.96;
  int64_t short_steps = 100;
  int64_t max_iterations = 100;
  double holdout = 0.1;  // share of every training class held out, when data.val_split is 0
  LatencyTableOptions table{};
};

struct AdaptResult {
  bool latency = false;         // the resource is estimated milliseconds, else Mult-Adds
  double start = 0, final = 0;  // the resource, estimated
  double budget = 0;
  bool budget_met = false;
  std::string stopped_by;  // "budget met", "--max-iterations reached", or why no candidate met a target
  int64_t iterations = 0;
  double start_measured_ms = 0, final_measured_ms = 0;  // whole model, batch 1 (models/model_stats.h)
  int64_t macs_start = 0, macs_final = 0, params_start = 0, params_final = 0;
  bool table_measured = false;  // latency: measured now, else read from the cache
  int64_t table_entries = 0;
  std::vector<std::string> plan;  // the whole channel plan, earlier ones included
  double holdout_top1 = 0;        // of the last chosen candidate
};

AdaptResult netadapt(const Config& config, const AdaptOptions& options);

}  // namespace minnow
