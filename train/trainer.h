// The trainer: one config in; train and evaluation epochs, learning-rate schedule,
// checkpoints (last, best, every N steps) with exact resume, metrics.jsonl,
// summary.json and the exported weights out. Distillation and QAT plug in through
// TrainHooks rather than by editing the loop.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "data/data_config.h"
#include "models/module.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/optimizer.h"

namespace minnow {

struct QatModel;

// Named scalar parts of a loss, logged to metrics.jsonl (distillation: soft, hard, feature).
using LossTerms = std::vector<std::pair<std::string, double>>;

struct TrainHooks {
  // The training loss from the model's logits (N, K) and the batch; default: cross-entropy
  // with the config's label smoothing. May add named terms for the metrics.
  std::function<Var(const Var& logits, const data::Batch& batch, LossTerms& terms)> loss;
  // Called at the start of each training epoch, after the model is put in training mode.
  std::function<void(int64_t epoch)> on_epoch_start;
  // Extra trainable parameters beside the model's (distillation adapters), saved in checkpoints.
  std::vector<std::pair<std::string, Var>> extra_parameters;
};

struct TrainSummary {
  double test_top1 = 0, test_top5 = 0, test_loss = 0;
  double best_top1 = 0;
  double train_seconds = 0;
  double images_per_second = 0;
  int64_t epochs = 0;
  int64_t images = 0;
};

class Trainer {
 public:
  explicit Trainer(Config config, TrainHooks hooks = {});
  ~Trainer();

  // Runs (or resumes) every remaining epoch; writes summary.json and model.safetensors.
  TrainSummary run();

  Module& model() { return *model_; }
  const Config& config() const { return config_; }
  const std::string& run_dir() const { return config_.output; }
  std::string checkpoint_path(const std::string& which) const;  // "last" or "best"
  // Test hook: failure injection between writing a checkpoint's temporary file and renaming it.
  void set_checkpoint_write_options(AtomicWriteOptions options) { write_options_ = std::move(options); }
  // Test hook: a simulated crash after this many optimizer steps in total; at an epoch's
  // last step it comes after that epoch's checkpoints are written.
  void stop_after_steps(int64_t steps) { stop_after_ = steps; }

 private:
  void train_epoch(int64_t epoch, int64_t start_step);
  void save(const std::string& which);

  Config config_;
  TrainHooks hooks_;
  std::shared_ptr<Module> model_;
  std::unique_ptr<QatModel> qat_;  // when config.qat.enabled
  data::DataPipeline data_;
  std::unique_ptr<Optimizer> optimizer_;
  RunPosition position_;
  AtomicWriteOptions write_options_;
  int64_t stop_after_ = -1;
  int64_t images_seen_ = 0;
  struct Log;
  std::unique_ptr<Log> log_;
};

}  // namespace minnow
