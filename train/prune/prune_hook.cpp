// PruneHook: the schedule's step count is the position within the run (epoch times the
// epoch's steps plus the step), which a checkpoint stores, so a resumed run prunes at the
// same steps as an uninterrupted one.
#include "train/prune/prune_hook.h"

#include "train/prune/magnitude_masks.h"

namespace minnow {

SparsitySchedule PruneHook::schedule(int64_t steps_per_epoch) const {
  return {.initial = config_.initial_sparsity,
          .target = config_.target_sparsity,
          .begin_step = config_.start_epoch * steps_per_epoch,
          .end_step = config_.end_epoch * steps_per_epoch,
          .every_steps = config_.every_steps};
}

void PruneHook::on_epoch_start(int64_t epoch) {
  (void)epoch;
  for (const PrunedWeight& w : weights_) w.mask->refresh();  // a resumed run loaded its masks since
}

void PruneHook::before_step(const RunPosition& position, int64_t steps_per_epoch) {
  const SparsitySchedule s = schedule(steps_per_epoch);
  const int64_t step = position.epoch * steps_per_epoch + position.step;
  masking_ = step >= s.begin_step;
  // A fresh or resumed hook takes the stages before this step as done (a checkpoint holds their masks).
  if (!stage_) stage_ = pruning_stage(s, step - 1);
  const int64_t stage = pruning_stage(s, step);
  if (stage == *stage_) return;
  stage_ = stage;
  update_magnitude_masks(weights_, config_.scope, scheduled_sparsity(s, step));
}

void PruneHook::after_backward(const NamedParams& params) {
  (void)params;
  if (!masking_) return;
  for (const PrunedWeight& w : weights_) {
    const Tensor& grad = w.weight.grad();
    if (!grad.defined()) continue;
    Tensor masked(grad.desc());  // a new tensor: the gradient's storage may be shared
    w.mask->multiply(grad, masked);
    w.weight.set_grad(std::move(masked));
  }
}

void PruneHook::after_step(const NamedParams& params) {
  (void)params;
  if (!masking_) return;
  for (const PrunedWeight& w : weights_) w.mask->multiply(w.weight.data(), w.weight.data());
}

}  // namespace minnow
