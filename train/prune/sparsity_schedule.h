// The automated gradual pruning schedule of Zhu & Gupta 2017, as a pure function of the
// step: s_t = s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3 at the pruning steps t = t0 + k dt,
// k = 0..n, where t0 + n dt is the last such step not after end_step. Nothing here knows
// about models or masks (train/prune/prune_hook.h applies it).
#pragma once

#include <cstdint>

namespace minnow {

struct SparsitySchedule {
  double initial = 0;       // s_i
  double target = 0;        // s_f
  int64_t begin_step = 0;   // t0
  int64_t end_step = 0;     // sparsity reaches target at the last pruning step up to this one
  int64_t every_steps = 1;  // dt
};

// n: the pruning steps after t0, floor((end_step - t0) / dt); with 0 the one step t0 prunes to target.
int64_t pruning_intervals(const SparsitySchedule& schedule);
// The k of the last pruning step t0 + k dt at or before step t (k <= n); -1 before t0. The
// masks are recomputed whenever it changes: at the pruning steps, or at the step after one
// that did not run (a step every rank skipped).
int64_t pruning_stage(const SparsitySchedule& schedule, int64_t step);
// The sparsity the masks hold from step t on: 0 before t0, s_t from the last pruning step at or
// before t, target from t0 + n dt on.
double scheduled_sparsity(const SparsitySchedule& schedule, int64_t step);

}  // namespace minnow
