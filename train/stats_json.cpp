// model_stats_json: the keys `minnow stats --json` prints.
#include "train/stats_json.h"

#include <nlohmann/json.hpp>

namespace minnow {

nlohmann::json model_stats_json(const ModelSpec& spec, int64_t resolution, const ModelStats& s) {
  nlohmann::json layers = nlohmann::json::array();
  for (const auto& l : s.layers)
    layers.push_back({{"name", l.name}, {"op", l.op}, {"output", l.output}, {"params", l.params}, {"macs", l.macs}});
  return {{"model", spec.name},
          {"width", spec.width},
          {"resolution", resolution},
          {"num_classes", spec.num_classes},
          {"params", s.params},
          {"macs", s.macs},
          {"activation_bytes", s.activation_bytes},
          {"latency_ms", s.latency_ms},
          {"layers", layers}};
}

}  // namespace minnow
