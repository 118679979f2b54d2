// The trainer: one config in; train and evaluation epochs, learning-rate schedule,
// checkpoints (last, best, every N steps) with exact resume, metrics.jsonl, report.html,
// summary.json and the exported weights out. Features (distillation, QAT, ...) plug in
// as TrainHooks (train/train_hook.h) that the caller composes; feature_hooks(config)
// gives the ones a config asks for. Under mpirun every rank runs a Trainer: each trains on
// its shard of every epoch, gradients are averaged over the ranks during backward, and
// rank 0 alone writes the run folder (docs/distributed.md).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "data/data_config.h"
#include "dist/world.h"
#include "models/module.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/distributed/grad_reducer.h"
#include "train/evaluate.h"
#include "train/metrics.h"
#include "train/optimizer.h"
#include "train/train_hook.h"

namespace minnow {

struct TrainSummary {
  double test_top1 = 0, test_top5 = 0, test_loss = 0;
  double best_top1 = 0;
  double train_seconds = 0;
  double images_per_second = 0;
  int64_t epochs = 0;
  int64_t images = 0;
  int stopped_by_signal = 0;  // SIGINT or SIGTERM ended the run early (last.safetensors holds where)
  RunPosition stopped_at{};   // the position saved then
};

// How the run is spread over ranks (mpirun -np N), as config.yaml and summary.json record it.
struct ParallelLayout {
  int world_size = 1;
  int64_t batch_per_rank = 0;
  int64_t effective_batch = 0;  // batch_per_rank * world_size
  double lr_factor = 1.0;       // what distributed.lr_scaling multiplies the scheduled learning rate by
};

class Trainer {
 public:
  explicit Trainer(Config config, TrainHooks hooks = {});
  ~Trainer();

  // Runs (or resumes) every remaining epoch; writes summary.json and model.safetensors.
  // With several ranks every rank calls it: it starts by making their models equal.
  TrainSummary run();
  // summary.json's object for what run() returned (written by run() at a run's end).
  nlohmann::json summary_record(const TrainSummary& summary) const;

  Module& model() { return *model_; }
  const Config& config() const { return config_; }
  const std::string& run_dir() const { return config_.output; }
  std::string checkpoint_path(const std::string& which) const;  // "last" or "best"
  // Test hook: failure injection between writing a checkpoint's temporary file and renaming it.
  void set_checkpoint_write_options(AtomicWriteOptions options) { write_options_ = std::move(options); }

 private:
  void setup_ranks();
  void check_same_position();
  void train_epoch(int64_t epoch, int64_t start_step);
  // One optimizer step on batch, whose images over every rank number global_images.
  double train_step(const data::Batch& batch, int64_t global_images, double lr, LossTerms& terms);
  Var training_loss(const Var& logits, const data::Batch& batch, LossTerms& terms);
  EvalResult evaluate_ranks();
  // A "step" record of metrics.jsonl: record's figures, the position and the loss terms.
  void log_step(nlohmann::json record, const LossTerms& terms);
  void log(const nlohmann::json& record);
  void save(const std::string& which);
  void write_run_report();

  Config config_;
  const dist::World& world_;
  ParallelLayout layout_;
  std::unique_ptr<GradReducer> reducer_;  // more than one rank only
  int stop_signal_ = 0;                    // the signal that stopped the run, once agreed
  TrainHooks hooks_;
  std::shared_ptr<Module> model_;
  data::DataPipeline data_;
  std::unique_ptr<Optimizer> optimizer_;
  RunPosition position_;
  AtomicWriteOptions write_options_;
  bool stopped_ = false;  // a hook asked to stop
  bool report_failed_ = false;  // report.html could not be written once: not tried again
  int64_t images_seen_ = 0;
  Accuracy accuracy_;  // this rank's, over the epoch so far
  std::unique_ptr<MetricsLog> log_;  // rank 0's metrics.jsonl
};

}  // namespace minnow
