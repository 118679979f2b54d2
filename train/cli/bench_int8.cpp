// The inference bench behind `minnow bench --int8`: f32 eval forward against the
// int8 model that convert_int8 builds from the same weights.
#include "train/cli/bench_int8.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "core/grad_mode.h"
#include "core/rng.h"
#include "train/config.h"
#include "train/qat/int8_model.h"
#include "train/qat/prepare_qat.h"

namespace minnow::cli {
namespace {

constexpr int kWarmup = 2;
constexpr int kCalibrationBatches = 3;

// Median milliseconds of steps runs of fn, after the warm-up.
double median_ms(const std::function<void()>& fn, int steps) {
  for (int i = 0; i < kWarmup; ++i) fn();
  std::vector<double> ms;
  for (int i = 0; i < steps; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    fn();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  return median(ms);
}

}  // namespace

int run_inference_bench(const InferenceBenchArgs& a) {
  set_num_threads(a.threads);
  Rng rng(0);
  const Tensor x = random_images(a, rng);  // (N, C, R, R)

  auto model = create_model(a.spec);
  model->eval();
  NoGrad no_grad;
  const double f32_ms = median_ms([&] { (void)model->forward(Var(x)).data(); }, a.steps);

  // The same weights, fake-quantized, observers calibrated on random batches, then int8.
  QatConfig qat;
  qat.enabled = true;
  prepare_qat(*model, qat);
  model->train();
  for (int i = 0; i < kCalibrationBatches; ++i) (void)model->forward(Var(x));
  const auto int8 = convert_int8(*model, x.dims());
  const double int8_ms = median_ms([&] { (void)int8->forward(x); }, a.steps);

  const double f32_ips = static_cast<double>(a.batch) * 1000.0 / f32_ms;
  const double int8_ips = static_cast<double>(a.batch) * 1000.0 / int8_ms;
  if (a.json) {
    const nlohmann::json out = {{"model", a.spec.name},       {"width", a.spec.width},   {"resolution", a.resolution},
                                {"batch", a.batch},           {"threads", a.threads},    {"steps", a.steps},
                                {"f32_images_per_second", f32_ips}, {"int8_images_per_second", int8_ips},
                                {"f32_ms_per_batch", f32_ms}, {"int8_ms_per_batch", int8_ms},
                                {"speedup", f32_ms / int8_ms}, {"int8_convs", int8->num_convs()},
                                {"peak_rss_mib", peak_rss_mib()}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%s width %.3g at %lld px, batch %lld, %d thread(s): inference, median of %d batches\n",
              a.spec.name.c_str(), static_cast<double>(a.spec.width), static_cast<long long>(a.resolution),
              static_cast<long long>(a.batch), a.threads, a.steps);
  std::printf("f32:   %8.1f images/s  (%.2f ms per batch)\n", f32_ips, f32_ms);
  std::printf("int8:  %8.1f images/s  (%.2f ms per batch, %lld int8 convs)\n", int8_ips, int8_ms,
              static_cast<long long>(int8->num_convs()));
  std::printf("int8 / f32: %.2fx\n", f32_ms / int8_ms);
  std::printf("peak RSS:   %.1f MiB\n", peak_rss_mib());
  return 0;
}

}  // namespace minnow::cli
