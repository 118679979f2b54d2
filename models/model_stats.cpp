// One traced forward of a single image gives the layer table; a few timed
// forwards in eval mode under NoGrad give the latency.
#include "models/model_stats.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "core/grad_mode.h"
#include "models/layer_stats.h"

namespace minnow {

ModelStats model_stats(Module& model, const StatsOptions& options) {
  std::map<const Module*, std::string> names;
  for (const auto& [name, module] : model.named_modules()) names[module] = name;

  const bool was_training = model.training();
  model.eval();
  const Var x(Tensor::zeros({1, options.in_channels, options.resolution, options.resolution}));
  ModelStats stats;
  {
    NoGrad no_grad;
    LayerStatsRecorder recorder;
    (void)model.forward(x);
    for (const auto& r : recorder.records()) {
      stats.layers.push_back({names[r.module], r.op, r.output, r.params, r.macs});
      stats.macs += r.macs;
      stats.activation_bytes += product(r.output) * static_cast<int64_t>(sizeof(float));
    }
  }
  stats.params = model.num_parameters();

  if (options.measure_latency) {
    NoGrad no_grad;
    (void)model.forward(x);  // warm-up: primitives built and cached
    std::vector<double> ms;
    for (int i = 0; i < options.latency_runs; ++i) {
      const auto t0 = std::chrono::steady_clock::now();
      (void)model.forward(x).data();
      ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
    }
    std::nth_element(ms.begin(), ms.begin() + static_cast<long>(ms.size() / 2), ms.end());
    stats.latency_ms = ms[ms.size() / 2];
  }
  model.train(was_training);
  return stats;
}

}  // namespace minnow
