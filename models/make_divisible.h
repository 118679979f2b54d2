// Channel rounding shared by the MobileNets: torchvision's _make_divisible.
#pragma once

#include <cstdint>

namespace minnow {

// Channel count value rounded to a multiple of divisor, never below 90% of it (torchvision's rule).
int64_t make_divisible(double value, int64_t divisor = 8);

// A float width multiplier as the double of the decimal it was written as (0.35f -> 0.35): c *
// 0.35f can fall just below a rounding step that c * 0.35 (torchvision's width_mult) reaches,
// e.g. 240 * 0.35 = 84 rounds to 88, 240 * 0.35f = 83.99999 to 80. Six decimals are kept.
double decimal_width(float width);

}  // namespace minnow
