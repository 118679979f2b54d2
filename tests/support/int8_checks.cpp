// Random int8 data and the output check shared by the int8 kernel tests.
#include "tests/support/int8_checks.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace minnow::test_support {
namespace {

std::pair<double, double> type_range(DType type) {
  return type == DType::u8 ? std::pair{0.0, 255.0} : std::pair{-128.0, 127.0};
}

}  // namespace

Tensor random_ints(const Dims& dims, DType type, int lo, int hi, Rng& rng) {
  std::vector<float> v(static_cast<size_t>(product(dims)));
  for (auto& x : v) x = static_cast<float>(lo + static_cast<int>(rng.below(static_cast<uint64_t>(hi - lo + 1))));
  return Tensor::from_plain(dims, v, type);
}

QTensor random_qtensor(const Dims& dims, DType type, float scale, Rng& rng) {
  const auto [lo, hi] = type_range(type);
  return {random_ints(dims, type, static_cast<int>(lo), static_cast<int>(hi), rng), scale};
}

QTensor random_qtensor(const Dims& dims, DType type, float scale, dnnl::memory::format_tag layout, Rng& rng) {
  QTensor q = random_qtensor(dims, type, scale, rng);
  q.data = q.data.to_layout(dnnl::memory::desc(dims, to_dnnl(type), layout));
  return q;
}

std::vector<double> real_values(const QTensor& q) {
  const std::vector<float> v = q.data.to_plain();
  std::vector<double> real(v.size());
  for (size_t i = 0; i < v.size(); ++i) real[i] = static_cast<double>(q.scale) * v[i];
  return real;
}

double quantized_value(double real, float scale, DType type) {
  const auto [lo, hi] = type_range(type);
  return std::clamp(std::nearbyint(real / scale), lo, hi);  // nearbyint: the default mode rounds half to even
}

void expect_matches_quantized(const QTensor& got, const std::vector<double>& ref) {
  const std::vector<float> q = got.data.to_plain();
  ASSERT_EQ(q.size(), ref.size());
  if (got.data.dtype() == DType::f32) {
    double largest = 0, worst = 0;
    for (double r : ref) largest = std::max(largest, std::abs(r));
    for (size_t i = 0; i < q.size(); ++i) worst = std::max(worst, std::abs(got.scale * q[i] - ref[i]));
    EXPECT_LE(worst, 1e-5 * std::max(largest, 1.0));
    return;
  }
  const auto [lo, hi] = type_range(got.data.dtype());
  size_t mismatches = 0;
  double worst = 0;
  for (size_t i = 0; i < q.size(); ++i) {
    worst = std::max(worst, std::abs(q[i] - std::clamp(ref[i] / got.scale, lo, hi)));
    mismatches += q[i] != quantized_value(ref[i], got.scale, got.data.dtype());
  }
  EXPECT_GE(std::set<float>(q.begin(), q.end()).size(), 8u) << "outputs barely vary: the check would be weak";
  EXPECT_LE(worst, 1.0) << "an output is more than one quantization step from the reference";
  EXPECT_LE(mismatches, std::max<size_t>(1, q.size() / 1000)) << "of " << q.size() << " outputs";
}

}  // namespace minnow::test_support
