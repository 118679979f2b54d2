// What the `minnow bench` modes share: the model and size arguments, a random batch, the
// median of timings and the peak resident memory.
#pragma once

#include <cstdint>
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
  bool fold = false;  // --eval/--int8: the f32 model with its batch norms folded (models/inference_fold.h)
  bool winograd = false;  // with fold: 3x3 stride-1 convs as Winograd (FoldOptions::winograd)
};

// A batch of (batch, in_channels, resolution, resolution) standard-normal pixels, plain.
Tensor random_images(const InferenceBenchArgs& args, Rng& rng);
// batch labels drawn uniformly from the model's classes.
std::vector<int32_t> random_labels(const InferenceBenchArgs& args, Rng& rng);

// Peak resident memory of this process in MiB.
double peak_rss_mib();
// The median of values (not empty).
double median(std::vector<double> values);

}  // namespace minnow::cli
