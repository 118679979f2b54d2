// Stats-table lookups for the zoo's shape tests.
#include "tests/support/model_stats_rows.h"

#include <gtest/gtest.h>

namespace minnow::test_support {

ModelStats stats_at(const ModelSpec& spec, int64_t resolution) {
  auto model = create_model(spec);
  return model_stats(*model, {.resolution = resolution, .in_channels = spec.in_channels, .measure_latency = false});
}

Dims layer_output(const ModelStats& stats, const std::string& layer) {
  for (const auto& row : stats.layers)
    if (row.name == layer) return row.output;
  ADD_FAILURE() << "no layer " << layer;
  return {};
}

}  // namespace minnow::test_support
