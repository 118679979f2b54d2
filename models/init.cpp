// The initialisation schemes behind PyTorch's and torchvision's defaults.
#include "models/init.h"

#include <cmath>
#include <numbers>
#include <vector>

#include "core/error.h"

namespace minnow {
namespace {

Rng g_init_rng(0);

// Plain values in logical order; a grouped weight already moved to (G, O/G, C/G, kH, kW)
// keeps those dims, whose plain order equals OIHW's.
void set_plain(const Var& v, const std::vector<float>& values) { v.set_data(Tensor::from_plain(v.dims(), values)); }

int64_t receptive_field(const Dims& shape) {
  int64_t r = 1;
  for (size_t i = 2; i < shape.size(); ++i) r *= shape[i];
  return r;
}

}  // namespace

void manual_seed(uint64_t seed) { g_init_rng = Rng(seed); }
Rng& init_rng() { return g_init_rng; }

void init_constant(const Var& v, float value) {
  set_plain(v, std::vector<float>(static_cast<size_t>(v.data().numel()), value));
}

void init_uniform(const Var& v, float bound) {
  std::vector<float> values(static_cast<size_t>(v.data().numel()));
  g_init_rng.fill_uniform(values, -bound, bound);
  set_plain(v, values);
}

void init_normal(const Var& v, float stddev) {
  std::vector<float> values(static_cast<size_t>(v.data().numel()));
  g_init_rng.fill_normal(values, 0.0f, stddev);
  set_plain(v, values);
}

void init_trunc_normal(const Var& v, float mean, float stddev, float a, float b) {
  MINNOW_CHECK(stddev > 0.0f, "init_trunc_normal: expected stddev > 0, got ", stddev);
  MINNOW_CHECK(a < b, "init_trunc_normal: expected a < b, got a ", a, ", b ", b);
  // The normal's mass in [a, b]: Phi((b - mean) / stddev) - Phi((a - mean) / stddev).
  const auto cdf = [&](float t) { return 0.5 * std::erfc(-(t - mean) / (stddev * std::numbers::sqrt2)); };
  const double mass = cdf(b) - cdf(a);
  MINNOW_CHECK(mass >= 0.01, "init_trunc_normal: expected [a, b] to hold at least 1% of N(mean, stddev^2); [", a,
               ", ", b, "] holds ", mass);
  std::vector<float> values(static_cast<size_t>(v.data().numel()));
  for (auto& value : values) {
    do value = g_init_rng.normal(mean, stddev);
    while (value < a || value > b);
  }
  set_plain(v, values);
}

int64_t fan_in(const Dims& shape) {
  MINNOW_CHECK(shape.size() >= 2, "init: fan_in needs at least 2 dims, got ", dims_str(shape));
  return shape[1] * receptive_field(shape);
}

int64_t fan_out(const Dims& shape) {
  MINNOW_CHECK(shape.size() >= 2, "init: fan_out needs at least 2 dims, got ", dims_str(shape));
  return shape[0] * receptive_field(shape);
}

void init_default_weight(const Var& w, const Dims& shape) {
  init_uniform(w, static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in(shape)))));
}

void init_kaiming_normal_fan_out(const Var& w, const Dims& shape) {
  init_normal(w, static_cast<float>(std::sqrt(2.0 / static_cast<double>(fan_out(shape)))));
}

void init_kaiming_normal_fan_in(const Var& w, const Dims& shape) {
  init_normal(w, static_cast<float>(std::sqrt(2.0 / static_cast<double>(fan_in(shape)))));
}

void init_kaiming_uniform_fan_in(const Var& w, const Dims& shape) {
  init_uniform(w, static_cast<float>(std::sqrt(6.0 / static_cast<double>(fan_in(shape)))));
}

}  // namespace minnow
