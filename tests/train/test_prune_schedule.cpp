// The gradual pruning schedule against Zhu & Gupta's formula written out here, its pruning
// steps, and its ends: nothing before t0, the target from t0 + n dt on, one-shot pruning when
// the span is shorter than one interval.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "train/prune/sparsity_schedule.h"

namespace minnow {
namespace {

// The masks are recomputed where the stage changes.
bool is_pruning_step(const SparsitySchedule& s, int64_t step) {
  return pruning_stage(s, step) != pruning_stage(s, step - 1);
}

// s_f + (s_i - s_f) (1 - (t - t0) / (n dt))^3
double formula(double s_i, double s_f, double t, double t0, double n, double dt) {
  return s_f + (s_i - s_f) * std::pow(1.0 - (t - t0) / (n * dt), 3.0);
}

TEST(PruneSchedule, FollowsTheCubicFormulaAtEveryPruningStep) {
  const SparsitySchedule s{.initial = 0.1, .target = 0.8, .begin_step = 30, .end_step = 130, .every_steps = 10};
  EXPECT_EQ(pruning_intervals(s), 10);
  for (int64_t t = 30; t <= 130; t += 10) {
    EXPECT_TRUE(is_pruning_step(s, t)) << t;
    EXPECT_NEAR(scheduled_sparsity(s, t), formula(0.1, 0.8, t, 30, 10, 10), 1e-12) << t;
  }
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 30), 0.1);
  EXPECT_DOUBLE_EQ(scheduled_sparsity(s, 130), 0.8);
}

TEST(PruneSchedule, HoldsBetweenPruningStepsAndOutsideTheSpan) {
  const SparsitySchedule s{.initial = 0.0, .target = 0.5, .begin_step = 4, .end_step = 16, .every_steps = 4};
  EXPECT_EQ(scheduled_sparsity(s, 0), 0.0);
  EXPECT_EQ(scheduled_sparsity(s, 3), 0.0);
  EXPECT_FALSE(is_pruning_step(s, 3));
  EXPECT_FALSE(is_pruning_step(s, 5));
  EXPECT_EQ(scheduled_sparsity(s, 7), scheduled_sparsity(s, 4));
  EXPECT_EQ(scheduled_sparsity(s, 11), scheduled_sparsity(s, 8));
  EXPECT_NEAR(scheduled_sparsity(s, 8), formula(0.0, 0.5, 8, 4, 3, 4), 1e-12);
  EXPECT_FALSE(is_pruning_step(s, 20)) << "no mask update after t0 + n dt";
  EXPECT_EQ(scheduled_sparsity(s, 1000), 0.5);
  // Rises monotonically from s_i to s_f.
  for (int64_t t = 4; t < 16; t += 4) EXPECT_LT(scheduled_sparsity(s, t), scheduled_sparsity(s, t + 4)) << t;
}

TEST(PruneSchedule, LastPruningStepIsTheLastIntervalBeforeTheEnd) {
  // (25 - 5) / 6 = 3 intervals: pruning at 5, 11, 17, 23, the target at 23.
  const SparsitySchedule s{.initial = 0.2, .target = 0.6, .begin_step = 5, .end_step = 25, .every_steps = 6};
  EXPECT_EQ(pruning_intervals(s), 3);
  EXPECT_TRUE(is_pruning_step(s, 23));
  EXPECT_FALSE(is_pruning_step(s, 29));
  EXPECT_EQ(scheduled_sparsity(s, 23), 0.6);
  EXPECT_NEAR(scheduled_sparsity(s, 17), formula(0.2, 0.6, 17, 5, 3, 6), 1e-12);
}

TEST(PruneSchedule, ASpanShorterThanOneIntervalPrunesOnceToTheTarget) {
  const SparsitySchedule s{.initial = 0.1, .target = 0.7, .begin_step = 10, .end_step = 12, .every_steps = 5};
  EXPECT_EQ(pruning_intervals(s), 0);
  EXPECT_TRUE(is_pruning_step(s, 10));
  EXPECT_FALSE(is_pruning_step(s, 15));
  EXPECT_EQ(scheduled_sparsity(s, 10), 0.7);
}

TEST(PruneSchedule, RejectsABackwardSpan) {
  const SparsitySchedule s{.initial = 0, .target = 0.5, .begin_step = 10, .end_step = 5, .every_steps = 1};
  EXPECT_THROW((void)scheduled_sparsity(s, 10), Error);
}

}  // namespace
}  // namespace minnow
