// The bar writes to stdout with '\r'; log lines go through spdlog.
#include "train/progress.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>

namespace minnow {

Progress::Progress(std::string title, int64_t total_steps, int64_t every)
    : title_(std::move(title)),
      total_(total_steps),
      every_(every > 0 ? every : 50),
      terminal_(isatty(fileno(stdout)) != 0),
      start_(std::chrono::steady_clock::now()) {}

void Progress::update(int64_t step, double loss, double top1, double images_per_second) {
  const int64_t done = step + 1;
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double eta = done > 0 ? elapsed / static_cast<double>(done) * static_cast<double>(total_ - done) : 0.0;
  if (terminal_) {
    constexpr int kWidth = 24;
    const int filled = total_ > 0 ? static_cast<int>(kWidth * done / total_) : 0;
    std::printf("\r%s [%-*s] %lld/%lld loss %.4f acc %.2f%% %.0f img/s ETA %.0fs ", title_.c_str(), kWidth,
                std::string(static_cast<size_t>(filled), '=').c_str(), static_cast<long long>(done),
                static_cast<long long>(total_), loss, top1, images_per_second, eta);
    std::fflush(stdout);
    drawn_ = true;
  } else if (done % every_ == 0 || done == total_) {
    spdlog::info("{} step {}/{} loss {:.4f} acc {:.2f}% {:.0f} img/s ETA {:.0f}s", title_, done, total_, loss, top1,
                 images_per_second, eta);
  }
}

void Progress::finish() {
  if (terminal_ && drawn_) std::printf("\n");
}

}  // namespace minnow
