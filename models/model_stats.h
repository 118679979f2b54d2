// The model scorecard behind `minnow stats`: a per-layer table (name, op,
// output shape, parameters, Mult-Adds), totals, the activation memory of one
// training image, and the measured batch-1 inference latency.
#pragma once

#include <string>
#include <vector>

#include "models/module.h"

namespace minnow {

struct LayerRow {
  std::string name;  // dotted module name
  std::string op;
  Dims output;  // one image: (C, H, W) or (K)
  int64_t params;
  int64_t macs;
};

struct ModelStats {
  std::vector<LayerRow> layers;
  int64_t params = 0;            // every parameter of the model
  int64_t macs = 0;              // Mult-Adds of one image: convs and linear layers
  int64_t activation_bytes = 0;  // f32 outputs of every layer for one image (what training keeps)
  double latency_ms = 0;         // batch 1, eval mode, median; 0 when not measured
};

struct StatsOptions {
  int64_t resolution = 224;
  int64_t in_channels = 3;
  bool measure_latency = true;
  int latency_runs = 10;
};

ModelStats model_stats(Module& model, const StatsOptions& options);

}  // namespace minnow
