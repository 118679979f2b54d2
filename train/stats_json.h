// `minnow stats --json`'s object, built once for the CLI and the Python module's minnow.stats:
// the model's spec, its totals (parameters, Mult-Adds, activation bytes, latency) and a row per layer.
#pragma once

#include <cstdint>
#include <nlohmann/json_fwd.hpp>

#include "models/model_stats.h"
#include "models/zoo.h"

namespace minnow {

nlohmann::json model_stats_json(const ModelSpec& spec, int64_t resolution, const ModelStats& stats);

}  // namespace minnow
