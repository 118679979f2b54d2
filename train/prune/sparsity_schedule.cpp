// The cubic schedule; steps between pruning steps keep the previous pruning step's sparsity.
#include "train/prune/sparsity_schedule.h"

#include <algorithm>

#include "core/error.h"

namespace minnow {

int64_t pruning_intervals(const SparsitySchedule& s) {
  MINNOW_CHECK(s.every_steps >= 1 && s.end_step >= s.begin_step && s.begin_step >= 0,
               "sparsity schedule: expected every_steps >= 1 and 0 <= begin_step <= end_step, got every_steps ",
               s.every_steps, ", begin_step ", s.begin_step, ", end_step ", s.end_step);
  return (s.end_step - s.begin_step) / s.every_steps;
}

int64_t pruning_stage(const SparsitySchedule& s, int64_t step) {
  const int64_t n = pruning_intervals(s);
  return step < s.begin_step ? -1 : std::min((step - s.begin_step) / s.every_steps, n);
}

double scheduled_sparsity(const SparsitySchedule& s, int64_t step) {
  const int64_t n = pruning_intervals(s);
  const int64_t k = pruning_stage(s, step);
  if (k < 0) return 0.0;
  if (k == n) return s.target;
  const double remaining = 1.0 - static_cast<double>(k) / static_cast<double>(n);
  return s.target + (s.initial - s.target) * remaining * remaining * remaining;
}

}  // namespace minnow
