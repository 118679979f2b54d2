// What the op benchmarks (bench_ops, bench_int8, bench_batch_norm) share: their
// command-line options and the median wall time of a repeated call.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <optional>
#include <vector>

namespace minnow::bench {

struct OpBenchOptions {
  int64_t batch = 32;
  int threads = 2;
  int reps = 5;
};

// Reads --batch N, --threads T and --reps R over the defaults; an unknown argument is one
// line on stderr naming it, and nullopt.
inline std::optional<OpBenchOptions> parse_op_bench_options(int argc, char** argv, const char* program,
                                                            OpBenchOptions options) {
  for (int i = 1; i < argc; i += 2) {
    const bool has_value = i + 1 < argc;
    if (has_value && !std::strcmp(argv[i], "--batch")) options.batch = std::atoll(argv[i + 1]);
    else if (has_value && !std::strcmp(argv[i], "--threads")) options.threads = std::atoi(argv[i + 1]);
    else if (has_value && !std::strcmp(argv[i], "--reps")) options.reps = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "%s: unknown argument %s (expected --batch N, --threads T, --reps R)\n", program, argv[i]);
      return std::nullopt;
    }
  }
  return options;
}

// Median wall time of run() over reps calls, each after an untimed setup(), after one
// untimed warm-up call that builds and caches the primitives.
inline double median_ms(int reps, const std::function<void()>& setup, const std::function<void()>& run) {
  setup();
  run();
  std::vector<double> ms;
  for (int i = 0; i < reps; ++i) {
    setup();
    const auto t0 = std::chrono::steady_clock::now();
    run();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + reps / 2, ms.end());
  return ms[static_cast<size_t>(reps / 2)];
}

inline double median_ms(int reps, const std::function<void()>& run) {
  return median_ms(reps, [] {}, run);
}

}  // namespace minnow::bench
