// Per-layer statistics for `minnow stats`: while a LayerStatsRecorder is alive on
// this thread, leaf layers report their op, output shape, parameters and
// Mult-Adds during forward. Mult-Adds count one image (the batch is divided out).
#pragma once

#include <string>
#include <vector>

#include "models/module.h"

namespace minnow {

struct LayerStat {
  const Module* module;
  std::string op;  // "conv", "dwconv", "linear", "bn", "relu", "maxpool", ...
  Dims output;     // (C, H, W) or (K): one image
  int64_t params;
  int64_t macs;
};

class LayerStatsRecorder {
 public:
  LayerStatsRecorder();
  ~LayerStatsRecorder();
  LayerStatsRecorder(const LayerStatsRecorder&) = delete;
  LayerStatsRecorder& operator=(const LayerStatsRecorder&) = delete;
  const std::vector<LayerStat>& records() const { return records_; }

 private:
  friend void report_layer(const Module&, const std::string&, const Dims&, int64_t);
  std::vector<LayerStat> records_;
  LayerStatsRecorder* previous_;
};

// Called by leaf layers after forward; output is the batch's dims (N first). A no-op
// unless a recorder is active.
void report_layer(const Module& module, const std::string& op, const Dims& output, int64_t macs_per_image);

}  // namespace minnow
