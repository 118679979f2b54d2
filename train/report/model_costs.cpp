// One traced forward of the run's model gives its parameters and Mult-Adds.
#include "train/report/model_costs.h"

#include "models/model_stats.h"
#include "models/zoo.h"

namespace minnow::report {

ModelCosts model_costs(const Config& config, bool measure_latency) {
  const ModelConfig& m = config.model;
  auto model = create_model(m);
  const ModelStats stats =
      model_stats(*model, {.resolution = m.resolution, .in_channels = m.in_channels, .measure_latency = measure_latency});
  return {.params = stats.params,
          .macs = stats.macs,
          .latency_ms = measure_latency ? std::optional<double>(stats.latency_ms) : std::nullopt};
}

}  // namespace minnow::report
