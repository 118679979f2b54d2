// torchvision's _make_divisible: round to nearest multiple, at least divisor, bumped up a
// step when rounding down lost more than 10%.
#include "models/make_divisible.h"

#include <algorithm>
#include <cmath>

namespace minnow {

int64_t make_divisible(double value, int64_t divisor) {
  const auto d = static_cast<double>(divisor);
  auto rounded = std::max(divisor, static_cast<int64_t>(value + d / 2) / divisor * divisor);
  if (static_cast<double>(rounded) < 0.9 * value) rounded += divisor;
  return rounded;
}

double decimal_width(float width) { return std::round(static_cast<double>(width) * 1e6) / 1e6; }

}  // namespace minnow
