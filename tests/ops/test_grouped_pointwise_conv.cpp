// conv2d's grouped 1x1 path (ops/grouped_pointwise_conv.h): which convs take it, that it
// hands its result back in the input's format, and that inference stays on oneDNN. Its values
// against the double reference, finite differences and PyTorch are the grouped 1x1 Shapes
// cases of test_conv2d.cpp.
#include <gtest/gtest.h>

#include <cmath>

#include "core/compute_type.h"
#include "core/grad_mode.h"
#include "ops/conv2d.h"
#include "ops/grouped_pointwise_conv.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

using dnnl::memory;

TEST(GroupedPointwiseConv, TakesGroupedOneByOneConvsThatRecordOnly) {
  EXPECT_TRUE(runs_as_grouped_products(1, 1, 240, false, {.groups = 3}, true));
  EXPECT_FALSE(runs_as_grouped_products(1, 1, 240, false, {.groups = 3}, false));              // inference
  EXPECT_FALSE(runs_as_grouped_products(1, 1, 240, false, {}, true));                          // no groups
  EXPECT_FALSE(runs_as_grouped_products(1, 1, 240, false, {.groups = 240}, true));             // depthwise
  EXPECT_FALSE(runs_as_grouped_products(1, 1, 240, true, {.groups = 3}, true));                // bias
  EXPECT_FALSE(runs_as_grouped_products(3, 3, 240, false, {.padding = 1, .groups = 3}, true));  // 3x3
  EXPECT_FALSE(runs_as_grouped_products(1, 1, 240, false, {.stride = 2, .groups = 3}, true));   // stride 2
  ComputeScope bf16(DType::bf16);
  EXPECT_TRUE(runs_as_grouped_products(1, 1, 240, false, {.groups = 3}, true));  // bf16 products
}

TEST(GroupedPointwiseConv, KeepsTheInputsFormatAndItsValues) {
  Rng rng(21);
  const Dims dims{2, 60, 5, 3};
  const Tensor plain = test_support::random_tensor(dims, rng);
  const Tensor w = test_support::random_tensor({48, 20, 1, 1}, rng);
  const Tensor dy = test_support::random_tensor({2, 48, 5, 3}, rng);
  const memory::desc blocked(dims, dt::f32, memory::format_tag::nChw16c);
  const Var x_plain(plain, true), x_blocked(plain.to_layout(blocked), true);
  const Var w_plain(w, true), w_blocked(w, true);
  const Var y_plain = conv2d(x_plain, w_plain, Var(), {.groups = 3});
  const Var y_blocked = conv2d(x_blocked, w_blocked, Var(), {.groups = 3});
  EXPECT_EQ(y_blocked.data().desc(), memory::desc({2, 48, 5, 3}, dt::f32, memory::format_tag::nChw16c));
  EXPECT_TRUE(y_plain.data().is_plain());
  EXPECT_EQ(y_blocked.data().to_plain(), y_plain.data().to_plain());  // the same products, only moved

  y_plain.backward(dy);
  y_blocked.backward(dy.to_layout(y_blocked.data().desc()));
  EXPECT_EQ(x_blocked.grad().desc(), blocked);
  EXPECT_EQ(x_blocked.grad().to_plain(), x_plain.grad().to_plain());
  EXPECT_EQ(w_blocked.grad().to_plain(), w_plain.grad().to_plain());
}

TEST(GroupedPointwiseConv, AnInferenceForwardStaysOnOneDnnsConv) {
  Rng rng(22);
  const Var x = test_support::random_var({3, 96, 4, 4}, rng);
  const Var w = test_support::random_var({48, 32, 1, 1}, rng);
  const Var y = conv2d(x, w, Var(), {.groups = 3});
  NoGrad no_grad;
  const Var y_inference = conv2d(x, w, Var(), {.groups = 3});
  EXPECT_NE(y_inference.data().desc(), y.data().desc());  // oneDNN's layout, not x's plain one
  EXPECT_TRUE(y.data().is_plain());
  const std::vector<float> a = y.data().to_plain(), b = y_inference.data().to_plain();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-5f * (1.0f + std::abs(a[i]))) << i;
}

}  // namespace
}  // namespace minnow
