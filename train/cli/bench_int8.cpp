// The inference bench behind `minnow bench --eval` and `--int8`: f32 eval forward, and
// against it the int8 model that convert_int8 builds from a QAT-prepared copy.
#include "train/cli/bench_int8.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "core/rng.h"
#include "models/inference_fold.h"
#include "train/config.h"
#include "train/qat/int8_model.h"
#include "train/qat/prepare_qat.h"

namespace minnow::cli {
namespace {

constexpr int kWarmup = 2;
constexpr int kCalibrationBatches = 3;

struct Timing {
  double median_ms = 0, min_ms = 0, max_ms = 0;
};

// steps runs of fn after the warm-up: the median, fastest and slowest in milliseconds.
Timing time_ms(const std::function<void()>& fn, int steps) {
  for (int i = 0; i < kWarmup; ++i) fn();
  std::vector<double> ms;
  for (int i = 0; i < steps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  const auto [lo, hi] = std::minmax_element(ms.begin(), ms.end());
  return {.median_ms = median(ms), .min_ms = *lo, .max_ms = *hi};
}

// A model of spec, fake-quantized, its observers calibrated on x, converted to int8.
std::unique_ptr<Int8Model> int8_model(const ModelSpec& spec, const Tensor& x) {
  auto model = create_model(spec);
  QatConfig qat;
  qat.enabled = true;
  prepare_qat(*model, qat);
  model->train();
  NoGrad no_grad;
  for (int i = 0; i < kCalibrationBatches; ++i) (void)model->forward(Var(x));
  try {
    return convert_int8(*model, x.dims());
  } catch (const Error& e) {
    MINNOW_FAIL("bench --int8: ", spec.name, " has no int8 model (", e.what(),
                "); --eval times its f32 inference alone");
  }
}

}  // namespace

int run_inference_bench(const InferenceBenchArgs& a, bool int8) {
  set_num_threads(a.threads);
  Rng rng(0);
  const Tensor x = random_images(a, rng);  // (N, C, R, R)
  const auto quantized = int8 ? int8_model(a.spec, x) : nullptr;

  auto model = create_model(a.spec);
  model->eval();
  const FoldCounts folded = a.fold ? fold_for_inference(*model, x.dims(), {.winograd = a.winograd}) : FoldCounts{};
  NoGrad no_grad;
  const Timing f32 = time_ms([&] { (void)model->forward(Var(x)).data(); }, a.steps);
  const Timing q = int8 ? time_ms([&] { (void)quantized->forward(x); }, a.steps) : Timing{};

  const auto per_second = [&](double ms) { return static_cast<double>(a.batch) * 1000.0 / ms; };
  if (a.json) {
    nlohmann::json out = {{"model", a.spec.name},
                          {"width", a.spec.width},
                          {"resolution", a.resolution},
                          {"batch", a.batch},
                          {"threads", a.threads},
                          {"steps", a.steps},
                          {"f32_images_per_second", per_second(f32.median_ms)},
                          {"f32_ms_per_batch", f32.median_ms},
                          {"f32_ms_min", f32.min_ms},
                          {"f32_ms_max", f32.max_ms},
                          {"folded_batch_norms", folded.batch_norms},
                          {"folded_activations", folded.activations},
                          {"winograd_convs", folded.winograd_convs},
                          {"peak_rss_mib", peak_rss_mib()}};
    if (int8) {
      out.update({{"int8_images_per_second", per_second(q.median_ms)},
                  {"int8_ms_per_batch", q.median_ms},
                  {"int8_ms_min", q.min_ms},
                  {"int8_ms_max", q.max_ms},
                  {"speedup", f32.median_ms / q.median_ms},
                  {"int8_convs", quantized->num_convs()}});
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%s width %.3g at %lld px, batch %lld, %d thread(s): inference, median of %d batches\n",
              a.spec.name.c_str(), static_cast<double>(a.spec.width), static_cast<long long>(a.resolution),
              static_cast<long long>(a.batch), a.threads, a.steps);
  std::printf("f32:   %8.1f images/s  (%.2f ms per batch, min %.2f, max %.2f)\n", per_second(f32.median_ms),
              f32.median_ms, f32.min_ms, f32.max_ms);
  if (int8) {
    std::printf("int8:  %8.1f images/s  (%.2f ms per batch, min %.2f, max %.2f, %lld int8 convs)\n",
                per_second(q.median_ms), q.median_ms, q.min_ms, q.max_ms,
                static_cast<long long>(quantized->num_convs()));
    std::printf("int8 / f32: %.2fx\n", f32.median_ms / q.median_ms);
  }
  std::printf("peak RSS:   %.1f MiB\n", peak_rss_mib());
  return 0;
}

}  // namespace minnow::cli
