// Layout discipline (DESIGN.md section 4): in a conv -> BN -> ReLU -> depthwise
// conv -> BN -> add chain, activations stay in the layout the first conv chose,
// forward and backward, and a repeated step builds no new primitive.
#include <gtest/gtest.h>

#include "core/reorder.h"
#include "ops/batch_norm.h"
#include "ops/binary.h"
#include "ops/conv2d.h"
#include "ops/eltwise.h"
#include "ops/primitive_cache.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

struct Chain {
  Var w1, g1, b1, w2, g2, b2;
  Tensor m1, v1, m2, v2;

  explicit Chain(int64_t c, Rng& rng)
      : w1(test_support::random_var({c, c, 3, 3}, rng)),
        g1(test_support::random_var({c}, rng)),
        b1(test_support::random_var({c}, rng)),
        w2(test_support::random_var({c, 1, 3, 3}, rng)),
        g2(test_support::random_var({c}, rng)),
        b2(test_support::random_var({c}, rng)),
        m1(Tensor::zeros({c})), v1(Tensor::full({c}, 1.0f)), m2(Tensor::zeros({c})), v2(Tensor::full({c}, 1.0f)) {}

  Var forward(const Var& x) const {
    const int64_t c = x.dims()[1];
    const Var a = relu(batch_norm(conv2d(x, w1, Var(), {.padding = 1}), g1, b1, m1, v1, true));
    const Var d = batch_norm(conv2d(a, w2, Var(), {.padding = 1, .groups = c}), g2, b2, m2, v2, true);
    return add(a, d);
  }
};

void expect_no_reorders_in_steady_state(int64_t channels) {
  Rng rng(9);
  const Dims dims{3, channels, 13, 13};
  const Chain chain(channels, rng);
  // The input arrives as the previous layer would hand it over: in the conv's chosen layout.
  const auto src_md = conv2d_impl(Tensor(plain_desc(dims)), {channels, channels, 3, 3}, false, {.padding = 1}).src;
  const Var x(test_support::random_tensor(dims, rng).to_layout(src_md), true);

  const Tensor dy = Tensor::full(dims, 0.5f).to_layout(src_md);  // the loss's gradient, at the boundary
  auto step = [&] {
    const Var y = chain.forward(x);
    EXPECT_EQ(y.data().desc(), x.data().desc()) << "the chain's output left the input's layout";
    x.zero_grad();
    y.backward(dy);
    EXPECT_EQ(x.grad().desc(), x.data().desc()) << "the input gradient left the input's layout";
  };
  step();  // warm-up: parameters move into their primitives' layouts, primitives are built
  const uint64_t reorders = reorder_count(), weight_reorders = weight_reorder_count();
  const uint64_t builds = primitive_builds();
  step();
  step();
  const uint64_t weights_moved = weight_reorder_count() - weight_reorders;
  EXPECT_EQ(reorder_count() - reorders - weights_moved, 0u) << "activations were reordered inside the chain";
  // The 3x3 conv's backward-data kernel reads its weights in a transposed block order
  // (ABcd16a16b against the forward's ABcd16b16a): one weight copy per step, nothing else.
  EXPECT_LE(weights_moved, 2u);
  EXPECT_EQ(primitive_builds(), builds) << "a repeated step built new primitives";
}

TEST(LayoutDiscipline, ConvBnReluDepthwiseBnAddMovesNothing) { expect_no_reorders_in_steady_state(32); }

TEST(LayoutDiscipline, HoldsForChannelsThatPadTheBlock) { expect_no_reorders_in_steady_state(24); }

}  // namespace
}  // namespace minnow
