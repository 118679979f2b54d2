// The schedule formulas, written as torch.optim.lr_scheduler's closed forms
// (tests/train/test_schedule.cpp compares them with torch step by step).
#include "train/schedule.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "core/error.h"

namespace minnow {
namespace {

// torch's _annealing_cos: from start (pct 0) to end (pct 1) along half a cosine.
double cos_anneal(double start, double end, double pct) {
  return end + (start - end) / 2.0 * (std::cos(std::numbers::pi * pct) + 1.0);
}

// OneCycleLR (two phases, cos) at step t of total steps.
double one_cycle(const ScheduleConfig& s, double max_lr, int64_t t, int64_t total) {
  const double initial = max_lr / s.div_factor;
  const double final_lr = initial / s.final_div_factor;
  const double rise_end = s.pct_start * static_cast<double>(total) - 1.0;
  const double step = static_cast<double>(std::min(t, total - 1));
  if (step <= rise_end) return cos_anneal(initial, max_lr, rise_end > 0 ? step / rise_end : 1.0);
  const double fall = static_cast<double>(total - 1) - rise_end;
  return cos_anneal(max_lr, final_lr, fall > 0 ? (step - rise_end) / fall : 1.0);
}

// The schedule after warmup, at global step `step` (>= the warmup length w).
double main_lr(const ScheduleConfig& s, const ScheduleSpan& span, int64_t step, int64_t w) {
  const int64_t total = std::max<int64_t>(span.epochs * span.steps_per_epoch - w, 1);
  const int64_t t = std::min(step - w, total);
  const int64_t epoch = step / span.steps_per_epoch;
  switch (s.name) {
    case ScheduleKind::constant:
      return span.base_lr;
    case ScheduleKind::step:
      return span.base_lr * std::pow(s.gamma, static_cast<double>(epoch / s.step_size));
    case ScheduleKind::multistep: {
      const auto passed = std::upper_bound(s.milestones.begin(), s.milestones.end(), epoch) - s.milestones.begin();
      return span.base_lr * std::pow(s.gamma, static_cast<double>(passed));
    }
    case ScheduleKind::cosine:
      return s.min_lr + (span.base_lr - s.min_lr) *
                            (1.0 + std::cos(std::numbers::pi * static_cast<double>(t) / static_cast<double>(total))) /
                            2.0;
    case ScheduleKind::onecycle:
      return one_cycle(s, s.max_lr > 0 ? s.max_lr : span.base_lr, t, total);
  }
  MINNOW_FAIL("schedule: unknown schedule kind ", static_cast<int>(s.name));
}

}  // namespace

int64_t warmup_steps(const ScheduleConfig& schedule, int64_t steps_per_epoch) {
  if (schedule.warmup_steps > 0) return schedule.warmup_steps;
  return std::llround(schedule.warmup_epochs * static_cast<double>(steps_per_epoch));
}

double scheduled_lr(const ScheduleConfig& schedule, const ScheduleSpan& span, int64_t step) {
  MINNOW_CHECK(span.steps_per_epoch >= 1 && span.epochs >= 1, "schedule: expected epochs >= 1 and steps_per_epoch >= 1, got ",
               span.epochs, " and ", span.steps_per_epoch);
  MINNOW_CHECK(step >= 0, "schedule: expected a step >= 0, got ", step);
  const int64_t w = warmup_steps(schedule, span.steps_per_epoch);
  if (step >= w) return main_lr(schedule, span, step, w);
  const double s = schedule.warmup_start_factor;
  return main_lr(schedule, span, w, w) * (s + (1.0 - s) * static_cast<double>(step) / static_cast<double>(w));
}

double scheduled_lr(const Config& config, int64_t steps_per_epoch, int64_t step) {
  return scheduled_lr(config.schedule, {.base_lr = config.optimizer.lr, .epochs = config.epochs,
                                        .steps_per_epoch = steps_per_epoch},
                      step);
}

}  // namespace minnow
