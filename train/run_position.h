// Where a training run stands: what the trainer advances step by step, what every
// checkpoint stores and what a resumed run starts from.
#pragma once

#include <cstdint>

namespace minnow {

struct RunPosition {
  int64_t epoch = 0;        // the epoch to run next, or the one in progress
  int64_t step = 0;         // the next step within that epoch
  int64_t global_step = 0;  // optimizer steps taken so far
  double best_top1 = -1;    // best evaluation top-1 so far (percent), -1 before any
  double train_seconds = 0; // training time spent so far, carried across resumes
};

}  // namespace minnow
