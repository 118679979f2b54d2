// `minnow bench --int8`: inference throughput of a zoo model in f32 and converted to
// int8, on random data. Separate from the training-step bench in bench.cpp.
#pragma once

#include "train/cli/bench_common.h"

namespace minnow::cli {

// Prepares the model for QAT with 8-bit weights and activations, calibrates its observers
// on a few random batches, converts it, then times batches of f32 (the float model, eval
// mode) and of int8 inference; prints both, their ratio and the peak RSS.
int run_inference_bench(const InferenceBenchArgs& args);

}  // namespace minnow::cli
