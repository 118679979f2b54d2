// The thread's active recorder and the report entry point used by layers.
#include "models/layer_stats.h"

namespace minnow {
namespace {
thread_local LayerStatsRecorder* t_recorder = nullptr;
}

LayerStatsRecorder::LayerStatsRecorder() : previous_(t_recorder) { t_recorder = this; }
LayerStatsRecorder::~LayerStatsRecorder() { t_recorder = previous_; }

void report_layer(const Module& module, const std::string& op, const Dims& output, int64_t macs_per_image) {
  if (t_recorder == nullptr) return;
  int64_t params = 0;
  for (const auto& p : module.named_parameters()) params += product(p.shape);
  t_recorder->records_.push_back({&module, op, Dims(output.begin() + 1, output.end()), params, macs_per_image});
}

}  // namespace minnow
