// `mpirun -np N minnow bench ...`: training steps of a zoo model on N ranks, each with its
// own random batch of --batch images, gradients averaged by the GradReducer. It times the
// steps twice, with each bucket's sum started during backward (overlap) and with every sum
// after backward, and reports images/s over all ranks, the time a step waits for the sums,
// and how much of the sums backward hid. Rank 0 prints.
#pragma once

#include "train/cli/bench_common.h"

namespace minnow::cli {

struct ParallelBenchArgs {
  InferenceBenchArgs base;  // model, resolution, per-rank batch, threads per rank, steps, json
  double bucket_mb = 25.0;
};

int run_parallel_bench(const ParallelBenchArgs& args);

}  // namespace minnow::cli
