// The scorecard's model figures for a run: parameters and Mult-Adds of the run's zoo model
// (models/model_stats.h, as `minnow stats` gives them) and, when asked, its measured batch-1
// latency. The trained weights are not needed: the figures depend on the model's shape alone.
#pragma once

#include "train/report/report_data.h"

namespace minnow::report {

// Builds config.model afresh; measure_latency times batch-1 forwards at the current thread count.
ModelCosts model_costs(const Config& config, bool measure_latency);

}  // namespace minnow::report
