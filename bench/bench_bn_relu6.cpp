// Training batch norm and ReLU6 on nChw16c: the two ops apart (oneDNN's batch norm, then its
// eltwise clip) against batch_norm_relu6 (one op, minnow's loops), forward then backward, on
// MobileNet-v2's map shapes. Each backward gets a fresh dy that nothing else holds, as the tape
// hands one, so both sides may write dx over it.
// usage: bench_bn_relu6 [--batch N] [--threads T] [--reps R]
#include <cstdio>
#include <utility>
#include <vector>

#include "bench/op_bench.h"
#include "core/engine.h"
#include "core/rng.h"
#include "ops/batch_norm.h"
#include "ops/batch_norm_relu6.h"
#include "ops/eltwise.h"

namespace {

using namespace minnow;
using bench::median_ms;
using dnnl::memory;

Tensor blocked(const Dims& dims, Rng& rng) {
  std::vector<float> values(static_cast<size_t>(product(dims)));
  rng.fill_uniform(values, -2.0f, 2.0f);
  return Tensor::from_plain(dims, values)
      .to_layout(memory::desc(dims, memory::data_type::f32, memory::format_tag::nChw16c));
}

struct Times {
  double forward, both;
};

// Median ms of the forward alone and of forward plus backward.
template <class Op>
Times time_op(const Tensor& x, const Tensor& dy_values, int reps, Op&& op) {
  const int64_t c = x.dims()[1];
  const Var gamma(Tensor::full({c}, 1.0f), true), beta(Tensor::full({c}, 0.5f), true);
  const Tensor mean = Tensor::zeros({c}), var = Tensor::full({c}, 1.0f);
  const double forward = median_ms(reps, [&] { (void)op(Var(x), gamma, beta, mean, var); });
  Tensor dy;
  Var xv;
  const double both = median_ms(
      reps, [&] { dy = dy_values.clone(), xv = Var(x, true); },
      [&] {
        const Var y = op(xv, gamma, beta, mean, var);
        y.backward(std::exchange(dy, Tensor()));
      });
  return {forward, both};
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = bench::parse_op_bench_options(argc, argv, "bench_bn_relu6", {.batch = 32, .reps = 11});
  if (!options) return 2;
  set_num_threads(options->threads);
  std::printf("training batch norm + ReLU6, nChw16c f32, batch %lld, threads %d, median of %d\n",
              static_cast<long long>(options->batch), options->threads, options->reps);
  std::printf("%5s %5s | %12s %12s | %12s %12s\n", "C", "HxW", "apart fwd", "one op fwd", "apart f+b", "one op f+b");
  Rng rng(0);
  const std::vector<std::pair<int64_t, int64_t>> shapes = {{32, 112}, {96, 112}, {144, 56}, {192, 28}, {384, 14},
                                                           {576, 14}, {960, 7},  {24, 56}};
  for (const auto& [c, hw] : shapes) {
    const Dims dims{options->batch, c, hw, hw};
    const Tensor x = blocked(dims, rng), dy = blocked(dims, rng);
    const Times apart = time_op(x, dy, options->reps, [](const Var& v, const Var& g, const Var& b, const Tensor& m,
                                                       const Tensor& s) {
      return relu6(batch_norm(v, g, b, m, s, true));
    });
    const Times fused = time_op(x, dy, options->reps, [](const Var& v, const Var& g, const Var& b, const Tensor& m,
                                                       const Tensor& s) { return batch_norm_relu6(v, g, b, m, s); });
    std::printf("%5lld %5lld | %12.3f %12.3f | %12.3f %12.3f\n", static_cast<long long>(c),
                static_cast<long long>(hw), apart.forward, fused.forward, apart.both, fused.both);
  }
  return 0;
}
