// Learning-rate schedules against torch.optim.lr_scheduler, step by step (warmup by LinearLR,
// then StepLR / MultiStepLR per epoch, CosineAnnealingLR / OneCycleLR per step), plus a few
// values checked by hand.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tests/support/python.h"
#include "train/schedule.h"

namespace minnow {
namespace {

struct Case {
  std::string id;
  ScheduleConfig schedule;
  ScheduleSpan span;
};

std::vector<Case> torch_cases() {
  const ScheduleSpan span{.base_lr = 0.1, .epochs = 6, .steps_per_epoch = 7};
  return {
      {"constant_warmup", {.name = ScheduleKind::constant, .warmup_steps = 5, .warmup_start_factor = 0.25}, span},
      {"step", {.name = ScheduleKind::step, .warmup_epochs = 0.5, .step_size = 2, .gamma = 0.5}, span},
      {"multistep", {.name = ScheduleKind::multistep, .milestones = {2, 5}, .gamma = 0.1}, span},
      {"multistep_long_warmup",
       {.name = ScheduleKind::multistep, .warmup_steps = 9, .milestones = {1, 4}, .gamma = 0.3},
       span},
      {"cosine_warmup", {.name = ScheduleKind::cosine, .warmup_epochs = 1.5, .min_lr = 0.001}, span},
      {"cosine", {.name = ScheduleKind::cosine}, {.base_lr = 0.05, .epochs = 3, .steps_per_epoch = 11}},
      {"onecycle", {.name = ScheduleKind::onecycle, .max_lr = 0.4}, span},
      {"onecycle_warmup",
       {.name = ScheduleKind::onecycle, .warmup_steps = 3, .pct_start = 0.25, .div_factor = 10, .final_div_factor = 100},
       span},
  };
}

TEST(Schedule, MatchesTorchStepByStep) {
  const test_support::ScratchDir dir;
  nlohmann::json request = nlohmann::json::array();
  const auto cases = torch_cases();
  for (const auto& [id, s, span] : cases) {
    request.push_back({{"id", id},
                       {"kind", std::string(to_string(s.name))},
                       {"base_lr", span.base_lr},
                       {"epochs", span.epochs},
                       {"steps_per_epoch", span.steps_per_epoch},
                       {"warmup", warmup_steps(s, span.steps_per_epoch)},
                       {"start_factor", s.warmup_start_factor},
                       {"step_size", s.step_size},
                       {"milestones", s.milestones},
                       {"gamma", s.gamma},
                       {"min_lr", s.min_lr},
                       {"max_lr", s.max_lr},
                       {"pct_start", s.pct_start},
                       {"div_factor", s.div_factor},
                       {"final_div_factor", s.final_div_factor}});
  }
  std::ofstream(dir.file("request.json")) << request.dump();
  ASSERT_EQ(test_support::run_python(test_support::parity_script("optim_parity.py"),
                                     {"schedule", dir.file("request.json"), dir.file("response.json")}),
            0);
  const auto response = nlohmann::json::parse(std::ifstream(dir.file("response.json")));
  for (const auto& [id, s, span] : cases) {
    const auto torch_lrs = response.at(id).get<std::vector<double>>();
    ASSERT_EQ(static_cast<int64_t>(torch_lrs.size()), span.epochs * span.steps_per_epoch) << id;
    for (size_t step = 0; step < torch_lrs.size(); ++step) {
      const double ours = scheduled_lr(s, span, static_cast<int64_t>(step));
      EXPECT_NEAR(ours, torch_lrs[step], 1e-12 + 1e-9 * std::abs(torch_lrs[step])) << id << " step " << step;
    }
  }
}

TEST(Schedule, HandCheckedValues) {
  const ScheduleSpan span{.base_lr = 0.2, .epochs = 10, .steps_per_epoch = 10};
  const ScheduleConfig cosine{.name = ScheduleKind::cosine, .min_lr = 0.02};
  EXPECT_DOUBLE_EQ(scheduled_lr(cosine, span, 0), 0.2);
  EXPECT_DOUBLE_EQ(scheduled_lr(cosine, span, 50), 0.11);  // half way: (0.2 + 0.02) / 2
  EXPECT_DOUBLE_EQ(scheduled_lr(cosine, span, 100), 0.02);  // clamped past the end

  // warmup_epochs 1.5 of 10 steps = 15 steps from 0.1 x the rate at step 15.
  const ScheduleConfig warm{.name = ScheduleKind::constant, .warmup_epochs = 1.5};
  EXPECT_EQ(warmup_steps(warm, 10), 15);
  EXPECT_DOUBLE_EQ(scheduled_lr(warm, span, 0), 0.02);
  EXPECT_DOUBLE_EQ(scheduled_lr(warm, span, 5), 0.2 * (0.1 + 0.9 * 5.0 / 15.0));
  EXPECT_DOUBLE_EQ(scheduled_lr(warm, span, 15), 0.2);

  // One-cycle starts at max_lr / div_factor, peaks at step pct_start * T - 1, ends at
  // max_lr / div_factor / final_div_factor on the last step.
  const ScheduleConfig cycle{.name = ScheduleKind::onecycle, .max_lr = 1.0, .pct_start = 0.3};
  EXPECT_NEAR(scheduled_lr(cycle, span, 0), 1.0 / 25, 1e-15);
  EXPECT_NEAR(scheduled_lr(cycle, span, 29), 1.0, 1e-15);
  EXPECT_NEAR(scheduled_lr(cycle, span, 99), 1.0 / 25 / 1e4, 1e-15);

  const ScheduleConfig multistep{.name = ScheduleKind::multistep, .milestones = {3, 6}, .gamma = 0.1};
  EXPECT_DOUBLE_EQ(scheduled_lr(multistep, span, 29), 0.2);
  EXPECT_DOUBLE_EQ(scheduled_lr(multistep, span, 30), 0.2 * 0.1);
  EXPECT_DOUBLE_EQ(scheduled_lr(multistep, span, 60), 0.2 * 0.1 * 0.1);
}

TEST(Schedule, FullConfigUsesOptimizerLrAndEpochs) {
  Config config;
  config.optimizer.lr = 0.3;
  config.epochs = 4;
  config.schedule = {.name = ScheduleKind::cosine};
  EXPECT_DOUBLE_EQ(scheduled_lr(config, 5, 0), 0.3);
  EXPECT_DOUBLE_EQ(scheduled_lr(config, 5, 10), 0.15);
  EXPECT_THROW((void)scheduled_lr(config, 0, 0), Error);
  EXPECT_THROW((void)scheduled_lr(config, 5, -1), Error);
}

}  // namespace
}  // namespace minnow
