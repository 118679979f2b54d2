// Op benchmark: forward, backward-data and backward-weights times of each conv
// kind at MobileNet-like shapes, with GFLOP/s and the oneDNN implementation.
// usage: bench_ops [--batch N] [--threads T] [--reps R]
#include <cstdio>
#include <string>
#include <vector>

#include "bench/op_bench.h"
#include "core/engine.h"
#include "core/rng.h"
#include "ops/conv2d.h"

namespace {

using namespace minnow;
using bench::median_ms;

struct ConvBench {
  const char* kind;
  int64_t c, o, hw, k;
  Conv2dOptions opt;
};

// Median wall time of run(), each repetition after an untimed setup().
Tensor random_plain(const Dims& dims, Rng& rng) {
  std::vector<float> v(static_cast<size_t>(product(dims)));
  rng.fill_uniform(v, -1.0f, 1.0f);
  return Tensor::from_plain(dims, v);
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = bench::parse_op_bench_options(argc, argv, "bench_ops", {.batch = 32, .reps = 5});
  if (!options) return 2;
  const int64_t batch = options->batch;
  const int threads = options->threads, reps = options->reps;
  set_num_threads(threads);
  const std::vector<ConvBench> cases = {
      {"normal 3x3 s2", 3, 32, 224, 3, {.stride = 2, .padding = 1}},
      {"depthwise 3x3", 32, 32, 112, 3, {.padding = 1, .groups = 32}},
      {"pointwise 1x1", 32, 64, 112, 1, {}},
      {"depthwise 3x3", 256, 256, 28, 3, {.padding = 1, .groups = 256}},
      {"depthwise 3x3 s2", 96, 96, 56, 3, {.stride = 2, .padding = 1, .groups = 96}},
      {"grouped 1x1 g3", 240, 240, 28, 1, {.groups = 3}},
      {"grouped 3x3 g4", 64, 64, 28, 3, {.padding = 1, .groups = 4}},
  };
  std::printf("batch %lld, threads %d, median of %d\n", static_cast<long long>(batch), threads, reps);
  std::printf("%-18s %-22s %8s %8s %8s %8s  %s\n", "conv", "shape", "fwd ms", "bwd_d ms", "bwd_w ms", "GFLOP/s",
              "implementation (fwd / bwd_data / bwd_weights)");
  Rng rng(0);
  for (const auto& b : cases) {
    const Dims x_dims{batch, b.c, b.hw, b.hw}, w_dims{b.o, b.c / b.opt.groups, b.k, b.k};
    const auto impl = conv2d_impl(Tensor(plain_desc(x_dims)), w_dims, false, b.opt);
    // The input as the previous layer hands it over: already in the layout the conv runs on.
    const Tensor x = random_plain(x_dims, rng).to_layout(impl.src);
    const Var x_const(x), x_grad(x, true);
    const Var w_param(random_plain(w_dims, rng), true);
    const Var w_const(w_param.data(), false);
    Tensor dy;
    Var y;
    auto nothing = [] {};

    const double fwd = median_ms(reps, nothing, [&] { y = conv2d(x_const, w_param, Var(), b.opt); });
    dy = random_plain(y.dims(), rng).to_layout(y.data().desc());
    // Backward-weights alone: only w wants a gradient.
    const double bwd_w = median_ms(
        reps, [&] { w_param.zero_grad(); y = conv2d(x_const, w_param, Var(), b.opt); }, [&] { y.backward(dy); });
    // Backward-data alone: only x wants a gradient.
    const double bwd_d = median_ms(
        reps, [&] { x_grad.zero_grad(); y = conv2d(x_grad, w_const, Var(), b.opt); }, [&] { y.backward(dy); });
    const double macs = static_cast<double>(product(y.dims())) * static_cast<double>(b.c / b.opt.groups * b.k * b.k);
    const double gflops = 3 * 2 * macs / ((fwd + bwd_d + bwd_w) * 1e6);
    char shape[64];
    std::snprintf(shape, sizeof shape, "%lldx%lldx%lld->%lld", static_cast<long long>(b.c),
                  static_cast<long long>(b.hw), static_cast<long long>(b.hw), static_cast<long long>(b.o));
    std::printf("%-18s %-22s %8.2f %8.2f %8.2f %8.1f  %s / %s / %s\n", b.kind, shape, fwd, bwd_d, bwd_w, gflops,
                impl.forward.c_str(), impl.backward_data.c_str(), impl.backward_weights.c_str());
  }
  return 0;
}
