// The trainer: one config in; train and evaluation epochs, learning-rate schedule,
// checkpoints (last, best, every N steps) with exact resume, metrics.jsonl,
// summary.json and the exported weights out. Features (distillation, QAT, ...) plug in
// as TrainHooks (train/train_hook.h) that the caller composes; feature_hooks(config)
// gives the ones a config asks for.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "data/data_config.h"
#include "models/module.h"
#include "train/checkpoint.h"
#include "train/config.h"
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

 private:
  void train_epoch(int64_t epoch, int64_t start_step);
  Var training_loss(const Var& logits, const data::Batch& batch, LossTerms& terms);
  // A "step" record of metrics.jsonl: record's figures, the position and the loss terms.
  void log_step(nlohmann::json record, const LossTerms& terms);
  void save(const std::string& which);

  Config config_;
  TrainHooks hooks_;
  std::shared_ptr<Module> model_;
  data::DataPipeline data_;
  std::unique_ptr<Optimizer> optimizer_;
  RunPosition position_;
  AtomicWriteOptions write_options_;
  bool stopped_ = false;  // a hook asked to stop
  int64_t images_seen_ = 0;
  struct Log;
  std::unique_ptr<Log> log_;
};

}  // namespace minnow
