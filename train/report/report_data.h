// A training run's folder read back for `minnow report`: metrics.jsonl's step, train-epoch
// and eval-epoch records (train/trainer.cpp writes them), config.yaml's model, distillation
// and QAT settings, and summary.json once the run has finished. Reading and checking only:
// the model's costs are in model_costs.h, the page in html.h.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "train/config.h"

namespace minnow::report {

// One "step" record: figures logged every log_every_steps steps.
struct StepPoint {
  int64_t global_step = 0;
  double epoch = 0;  // fractional: (epoch - 1) + step / steps_per_epoch
  double lr = 0;
  double loss = 0;
  double train_top1 = 0;                 // running over the epoch so far
  std::map<std::string, double> terms;  // the loss's named parts (distillation: loss_soft, loss_hard, ...)
};

// One finished epoch: its train_epoch and eval_epoch records.
struct EpochPoint {
  int64_t epoch = 0;        // 1-based
  int64_t global_step = 0;  // at the epoch's end
  std::optional<double> train_loss, train_top1, test_loss, test_top1;
};

// What the scorecard needs of the model: parameters and Mult-Adds from the zoo, latency if measured.
struct ModelCosts {
  int64_t params = 0;
  int64_t macs = 0;  // Mult-Adds of one image
  std::optional<double> latency_ms;
};

struct RunData {
  std::string name;    // the folder's own name
  std::string folder;  // as given
  Config config;       // config.yaml
  int64_t steps_per_epoch = 0;
  std::vector<StepPoint> steps;    // by global step; a step logged again after a resume keeps its last record
  std::vector<EpochPoint> epochs;  // by epoch, likewise
  nlohmann::json summary;          // summary.json; null while the run has not finished
  ModelCosts costs;
};

// Reads folder/config.yaml, folder/metrics.jsonl and, if present, folder/summary.json. Every
// error is one line naming the file (and line) and what was expected against what was found.
RunData read_run(const std::string& folder);

// The run as the page's script reads it (columns of numbers, null where a figure is missing).
nlohmann::json to_json(const RunData& run);

}  // namespace minnow::report
