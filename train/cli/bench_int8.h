// `minnow bench --eval` and `--int8`: batch inference latency of a zoo model on random data,
// in f32 (eval mode) and, with --int8, converted to int8. Separate from the training-step
// bench in bench.cpp.
#pragma once

#include "train/cli/bench_common.h"

namespace minnow::cli {

// Times batches of f32 inference (the float model, eval mode, no gradients) and reports the
// median, min and max ms and the peak RSS. With int8, first prepares a second model of the same
// spec for QAT with 8-bit weights and activations, calibrates its observers on a few random
// batches and converts it (a family convert_int8 refuses stops here, with one line), then
// times its int8 inference too and reports the ratio.
int run_inference_bench(const InferenceBenchArgs& args, bool int8);

}  // namespace minnow::cli
