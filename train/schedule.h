// Learning-rate schedules as pure functions of the global step: no hidden state, so a
// resumed run only needs its step. Constant, step, multistep, cosine and one-cycle follow
// torch.optim.lr_scheduler; each may start with a linear warmup.
#pragma once

#include <cstdint>

#include "train/config.h"

namespace minnow {

struct ScheduleSpan {
  double base_lr = 0.1;  // optimizer.lr
  int64_t epochs = 1;
  int64_t steps_per_epoch = 1;
};

// warmup_steps, or warmup_epochs * steps_per_epoch rounded to the nearest step.
int64_t warmup_steps(const ScheduleConfig& schedule, int64_t steps_per_epoch);

// The learning rate of optimizer step `step` (0-based, counted over the whole run).
// With W warmup steps and T = epochs * steps_per_epoch - W (at least 1):
//   step >= W: the schedule at t = step - W, as torch computes it stepped once per step over T
//              steps (cosine: CosineAnnealingLR(T_max=T, eta_min=min_lr); onecycle: OneCycleLR(
//              total_steps=T, anneal_strategy="cos"), no momentum cycling; t is clamped to the end),
//              except step and multistep, which count whole epochs from the start of the run
//              (epoch = step / steps_per_epoch, as StepLR and MultiStepLR stepped once per epoch);
//   step < W:  linear warmup (LinearLR) from warmup_start_factor to 1 times the learning rate at W.
double scheduled_lr(const ScheduleConfig& schedule, const ScheduleSpan& span, int64_t step);
// The same with the span from a full config (optimizer.lr, epochs).
double scheduled_lr(const Config& config, int64_t steps_per_epoch, int64_t step);

}  // namespace minnow
