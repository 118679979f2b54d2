// Channel rounding shared by the MobileNets: torchvision's _make_divisible.
#pragma once

#include <cstdint>

namespace minnow {

// Channel count value rounded to a multiple of divisor, never below 90% of it (torchvision's rule).
int64_t make_divisible(double value, int64_t divisor = 8);

}  // namespace minnow
