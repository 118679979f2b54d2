// Gradual magnitude pruning as a training hook: on the built model it attaches a mask to
// every pruned weight; before each scheduled pruning step it recomputes the masks for the
// schedule's sparsity; from the first pruning step on it masks the gradients after backward
// and the weights again after the optimizer step, so that neither momentum nor weight decay
// brings a pruned weight back. The masks are buffers: a resumed run continues bit-exactly.
#pragma once

#include <optional>
#include <vector>

#include "train/config.h"
#include "train/prune/pruned_weights.h"
#include "train/prune/sparsity_schedule.h"
#include "train/train_hook.h"

namespace minnow {

class PruneHook : public TrainHook {
 public:
  explicit PruneHook(PruneConfig config) : config_(std::move(config)) {}

  void on_model(Module& model) override { weights_ = attach_weight_masks(model, config_.exclude); }
  void on_epoch_start(int64_t epoch) override;
  void before_step(const RunPosition& position, int64_t steps_per_epoch) override;
  void after_backward(const NamedParams& params) override;
  void after_step(const NamedParams& params) override;

  // The config's schedule in steps, for an epoch of steps_per_epoch steps.
  SparsitySchedule schedule(int64_t steps_per_epoch) const;

 private:
  PruneConfig config_;
  std::vector<PrunedWeight> weights_;
  bool masking_ = false;          // from the first pruning step on
  std::optional<int64_t> stage_;  // the schedule's stage the masks hold; unset before the first step
};

}  // namespace minnow
