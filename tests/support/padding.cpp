// The padding of a layout is found by reordering ones into it: the reorder
// writes 1 at every logical element and 0 at every padding element.
#include "tests/support/padding.h"

#include <gtest/gtest.h>

namespace minnow::test_support {

bool padding_is_zero(const Tensor& t) {
  const Tensor mask = Tensor::full(t.dims(), 1.0f).to_layout(t.desc());
  const auto values = t.f32_buffer(), logical = mask.f32_buffer();
  for (size_t i = 0; i < values.size(); ++i)
    if (logical[i] == 0.0f && values[i] != 0.0f) return false;
  return true;
}

Tensor in_layout(const Tensor& plain, dnnl::memory::format_tag t) {
  return plain.to_layout(dnnl::memory::desc(plain.dims(), dnnl::memory::data_type::f32, t));
}

std::pair<std::vector<float>, std::vector<float>> run_in_layout(const std::function<Var(const Var&)>& op,
                                                                const Tensor& x_any, const Tensor& dy_plain) {
  const Var x(x_any, true);
  const Var y = op(x);
  EXPECT_EQ(y.data().desc(), x_any.desc()) << "output leaves x's layout";
  EXPECT_TRUE(padding_is_zero(y.data()));
  y.backward(dy_plain.to_layout(y.data().desc()));
  EXPECT_EQ(x.grad().desc(), x_any.desc()) << "gradient leaves x's layout";
  EXPECT_TRUE(padding_is_zero(x.grad()));
  return {y.data().to_plain(), x.grad().to_plain()};
}

}  // namespace minnow::test_support
