// The padding of a layout is found by reordering ones into it: the reorder
// writes 1 at every logical element and 0 at every padding element.
#include "tests/support/padding.h"

namespace minnow::test_support {

bool padding_is_zero(const Tensor& t) {
  const Tensor mask = Tensor::full(t.dims(), 1.0f).to_layout(t.desc());
  const auto values = t.f32_buffer(), logical = mask.f32_buffer();
  for (size_t i = 0; i < values.size(); ++i)
    if (logical[i] == 0.0f && values[i] != 0.0f) return false;
  return true;
}

}  // namespace minnow::test_support
