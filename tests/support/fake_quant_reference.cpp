// The fake_quant reference, written apart from ops/fake_quant.cpp: its own rounding,
// clamping in double, and no shared code with the op.
#include "tests/support/fake_quant_reference.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>

namespace minnow::test_support {

double round_half_even(double v) {
  const double below = std::floor(v), frac = v - below;
  if (frac != 0.5) return frac < 0.5 ? below : below + 1;
  return std::fmod(below, 2.0) == 0 ? below : below + 1;
}

FakeQuantReference fake_quant_reference(float x, float scale, float zero_point, QuantRange r,
                                        bool zero_point_before_round) {
  const float v = x * (1.0f / scale);
  const double q = zero_point_before_round ? round_half_even(static_cast<double>(v + zero_point))
                                           : round_half_even(v) + zero_point;
  const double qmin = static_cast<double>(r.qmin), qmax = static_cast<double>(r.qmax);
  const double clamped = std::min(std::max(q, qmin), qmax);
  const bool inside = q >= qmin && q <= qmax;
  const double dy_dscale = q < qmin ? qmin - zero_point : q > qmax ? qmax - zero_point : round_half_even(v) - v;
  return {q, static_cast<float>((clamped - zero_point) * static_cast<double>(scale)), inside, dy_dscale};
}

std::vector<float> probe_values(float scale, int64_t zero_point, QuantRange r, Rng& rng, bool far) {
  std::vector<float> v;
  for (int64_t k = r.qmin - zero_point - 4; k <= r.qmax - zero_point + 4; ++k) {
    const float tie = (static_cast<float>(k) + 0.5f) * scale;
    v.insert(v.end(), {static_cast<float>(k) * scale, tie, std::nextafter(tie, 1e30f), std::nextafter(tie, -1e30f)});
  }
  for (int i = 0; i < 64; ++i)
    v.push_back(rng.uniform(static_cast<float>(r.qmin - zero_point - 10), static_cast<float>(r.qmax - zero_point + 10)) *
                scale);
  v.insert(v.end(), {0.0f, -0.0f});
  if (far) v.insert(v.end(), {1e6f, -1e6f, 1e30f, -1e30f, 3e38f, -3e38f});
  return v;
}

Tensor channel_tensor(const std::vector<float>& values, bool as_s32) {
  const Dims dims{static_cast<int64_t>(values.size())};
  return as_s32 ? Tensor::from_plain(dims, values, DType::s32) : Tensor::from_plain(dims, values);
}

void expect_exact(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int mismatches = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::bit_cast<uint32_t>(got[i]) == std::bit_cast<uint32_t>(want[i]) || (got[i] == 0 && want[i] == 0)) continue;
    if (++mismatches <= 5) ADD_FAILURE() << what << " [" << i << "]: " << got[i] << " vs " << want[i];
  }
  EXPECT_EQ(mismatches, 0) << what;
}

}  // namespace minnow::test_support
