// round_half_even(v): v rounded to an integer, ties to even, as std::nearbyint in the default
// rounding mode, without a libm call, so that the loops calling it vectorise. Adding and subtracting
// 1.5 * 2^23 does it exactly for |v| < 2^22. Larger |v| comes back within a few units of v, so it
// stays as far outside every quantization range (at most 2^16 levels) as std::nearbyint's result, and
// a clamp to the range gives the same value. Infinities and NaN pass through unchanged. The build
// turns off FMA contraction (CMakeLists.txt), which could otherwise fuse the two operations.
#pragma once

namespace minnow {

inline float round_half_even(float v) {
  constexpr float kMagic = 12582912.0f;  // 1.5 * 2^23
  return (v + kMagic) - kMagic;
}

}  // namespace minnow
