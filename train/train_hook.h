// What a feature adds to the training loop without editing it. The Trainer calls every
// hook it was given, in order, at these points: once on the built model (QAT inserts its
// quantizers, pruning its masks, distillation adds its adapters), for the loss (at most one
// hook replaces the cross-entropy), at each epoch's start, before each step (pruning's
// schedule), after backward and after the optimizer step (gradient reduction, pruning masks),
// after each step to ask whether to stop, and with each record the run logs.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/var.h"
#include "data/loader.h"
#include "models/module.h"
#include "train/optimizer.h"
#include "train/run_position.h"

namespace minnow {

// Named scalar parts of a loss, logged to metrics.jsonl (distillation: soft, hard, feature).
using LossTerms = std::vector<std::pair<std::string, double>>;

class TrainHook {
 public:
  virtual ~TrainHook() = default;

  // Once, after the model is built and before the optimizer, the data or a checkpoint
  // sees it: may add children (their parameters train and are checkpointed) or wrap layers.
  virtual void on_model(Module& model) { (void)model; }
  // The training loss from the model's logits (N, K) and the batch, with named terms for
  // the metrics; an undefined Var leaves the loss to the next hook, or to cross-entropy.
  virtual Var loss(const Var& logits, const data::Batch& batch, LossTerms& terms) {
    (void)logits, (void)batch, (void)terms;
    return {};
  }
  // At the start of each training epoch (resume included), after model.train().
  virtual void on_epoch_start(int64_t epoch) { (void)epoch; }
  // Before each training step's forward: position is that step's (its epoch, its step within the
  // epoch, the optimizer steps taken so far); steps_per_epoch is the epoch's length.
  virtual void before_step(const RunPosition& position, int64_t steps_per_epoch) {
    (void)position, (void)steps_per_epoch;
  }
  // After loss.backward(), before gradient clipping and the optimizer step.
  virtual void after_backward(const NamedParams& params) { (void)params; }
  // After the optimizer step.
  virtual void after_step(const NamedParams& params) { (void)params; }
  // After each step's bookkeeping and checkpoint: true ends the run there, as a crash or an
  // interrupt would (at an epoch's last step, after that epoch's checkpoints are written).
  virtual bool should_stop(const RunPosition& position) {
    (void)position;
    return false;
  }
  // Each record of the run's log on every rank, as rank 0 writes it to metrics.jsonl: "step"
  // (every log_every_steps steps), "train_epoch", "eval_epoch", "replica_check".
  virtual void on_record(const nlohmann::json& record) { (void)record; }
};

using TrainHooks = std::vector<std::shared_ptr<TrainHook>>;

}  // namespace minnow
