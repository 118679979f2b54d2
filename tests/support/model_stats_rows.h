// Reading a zoo model's stats table in shape tests: the stats of a spec at a resolution (no
// latency), and the output shape of one named layer.
#pragma once

#include <string>

#include "models/model_stats.h"
#include "models/zoo.h"

namespace minnow::test_support {

// model_stats of create_model(spec) at resolution, with spec's input channels.
ModelStats stats_at(const ModelSpec& spec, int64_t resolution);
// The output of the layer named layer, one image: (C, H, W) or (K); a test failure if absent.
Dims layer_output(const ModelStats& stats, const std::string& layer);

}  // namespace minnow::test_support
