// Progress output for one epoch: on a terminal, a one-line bar redrawn in place
// (step/total, loss, accuracy, images/s, ETA); otherwise a plain log line every
// `every` steps through spdlog.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace minnow {

class Progress {
 public:
  Progress(std::string title, int64_t total_steps, int64_t every);
  void update(int64_t step, double loss, double top1, double images_per_second);
  void finish();

 private:
  std::string title_;
  int64_t total_, every_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  bool drawn_ = false;
};

}  // namespace minnow
