// A simulated crash for the resume tests: a training hook that ends the run once this
// many optimizer steps are done in all (at an epoch's last step, after that epoch's
// checkpoints are written), as a killed process would leave it.
#pragma once

#include <memory>

#include "train/train_hook.h"

namespace minnow::test_support {

class StopAfterSteps : public TrainHook {
 public:
  explicit StopAfterSteps(int64_t steps) : steps_(steps) {}
  bool should_stop(const RunPosition& position) override { return position.global_step >= steps_; }

 private:
  int64_t steps_;
};

// hooks, then the stop.
inline TrainHooks stop_after_steps(TrainHooks hooks, int64_t steps) {
  hooks.push_back(std::make_shared<StopAfterSteps>(steps));
  return hooks;
}

}  // namespace minnow::test_support
