// Reference for the fake_quant tests: torch's fake quantization of one element in double
// precision (after torch's float product x * (1 / scale)), probe inputs that hit every level
// and every exact .5 tie, and exact comparison of results.
#pragma once

#include <string>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "ops/quant_params.h"

namespace minnow::test_support {

// Round half to even, written without the rounding mode.
double round_half_even(double v);

// One element: q before clamping, y, whether q is inside [qmin, qmax], and LSQ's dy/dscale.
struct FakeQuantReference {
  double q;
  float y;
  bool inside;
  double dy_dscale;
};
// zero_point_before_round: torch's float zero-point kernel, q = round(x / s + zp).
FakeQuantReference fake_quant_reference(float x, float scale, float zero_point, QuantRange r,
                                        bool zero_point_before_round = false);

// Values around every level from 4 below the range to 4 above: k scale, (k + 0.5) scale (a
// tie when the product is exact) and its neighbours, random values, zeros, and (far) values
// far outside the range, up to +-3e38.
std::vector<float> probe_values(float scale, int64_t zero_point, QuantRange r, Rng& rng, bool far = true);

// A (C) tensor of values, f32 or s32.
Tensor channel_tensor(const std::vector<float>& values, bool as_s32);

// gtest EXPECT: equal bit for bit, except that 0 and -0 count as equal (torch writes dy * 0 = -0).
void expect_exact(const std::vector<float>& got, const std::vector<float>& want, const std::string& what);

}  // namespace minnow::test_support
