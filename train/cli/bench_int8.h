// `minnow bench --int8`: inference throughput of a zoo model in f32 and converted to
// int8, on random data. Separate from the training-step bench in bench.cpp.
#pragma once

#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "models/zoo.h"

namespace minnow::cli {

struct InferenceBenchArgs {
  ModelSpec spec;
  int64_t resolution = 224;
  int64_t batch = 32;
  int threads = 2;
  int steps = 10;
  bool json = false;
};

// Prepares the model for QAT with 8-bit weights and activations, calibrates its observers
// on a few random batches, converts it, then times batches of f32 (the float model, eval
// mode) and of int8 inference; prints both, their ratio and the peak RSS.
int run_inference_bench(const InferenceBenchArgs& args);

// A batch of (batch, in_channels, resolution, resolution) standard-normal pixels, plain.
Tensor random_images(const InferenceBenchArgs& args, Rng& rng);
// batch labels drawn uniformly from the model's classes.
std::vector<int32_t> random_labels(const InferenceBenchArgs& args, Rng& rng);

// Peak resident memory of this process in MiB.
double peak_rss_mib();
// The median of values (not empty).
double median(std::vector<double> values);

}  // namespace minnow::cli
