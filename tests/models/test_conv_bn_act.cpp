// ConvBnAct with ReLU6 in training runs its batch norm and ReLU6 as one op
// (ops/batch_norm_relu6.h): when it does and when it must not, and that a training step through
// it (forward hooks on the ReLU6 included) gives what the three children run one by one give.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/compute_type.h"
#include "core/rng.h"
#include "models/conv_bn_act.h"
#include "ops/binary.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

using test_support::closeness;

ConvBnAct relu6_block() {
  return ConvBnAct({.in = 8, .out = 20, .kernel = 3, .act = ActivationKind::relu6});
}

TEST(ConvBnAct, FusesBatchNormAndRelu6OnlyInPlainF32Training) {
  ConvBnAct block = relu6_block();
  block.train(true);
  EXPECT_TRUE(block.fuses_bn_relu6());
  {
    const ComputeScope bf16(DType::bf16);
    EXPECT_FALSE(block.fuses_bn_relu6());  // bf16 training keeps oneDNN's bf16 batch norm
  }
  block.train(false);
  EXPECT_FALSE(block.fuses_bn_relu6());  // eval: the batch norm folds or runs oneDNN's inference kernel

  ConvBnAct hooked = relu6_block();
  hooked.train(true);
  const int64_t id = hooked[2].add_forward_pre_hook([](const Var& x) { return x; });
  EXPECT_FALSE(hooked.fuses_bn_relu6());  // a pre-hook on the activation sees the batch norm's output
  hooked[2].remove_hook(id);
  EXPECT_TRUE(hooked.fuses_bn_relu6());
  hooked[2].add_forward_hook([](const Var& y) { return y; });
  EXPECT_TRUE(hooked.fuses_bn_relu6());  // a forward hook sees the op's output, the ReLU6's
  hooked[1].add_forward_hook([](const Var& y) { return y; });
  EXPECT_FALSE(hooked.fuses_bn_relu6());  // a hook on the batch norm sees its own output

  ConvBnAct relu({.in = 8, .out = 20, .kernel = 3, .act = ActivationKind::relu});
  relu.train(true);
  EXPECT_FALSE(relu.fuses_bn_relu6());  // ReLU: oneDNN's own fused batch norm
}

TEST(ConvBnAct, FusedTrainingStepEqualsTheChildrenOneByOne) {
  Rng rng(4);
  const Tensor x = test_support::random_tensor({4, 8, 9, 9}, rng, -2.0f, 2.0f);
  const Tensor dy = test_support::random_tensor({4, 20, 9, 9}, rng);
  ConvBnAct fused = relu6_block(), apart = relu6_block();
  const auto from = fused.named_parameters(), to = apart.named_parameters();
  ASSERT_EQ(from.size(), to.size());
  for (size_t i = 0; i < from.size(); ++i) {
    const auto src = from[i].var.data().f32_buffer();
    std::copy(src.begin(), src.end(), to[i].var.data().f32_buffer().begin());
  }
  // BN's beta at 2 and gamma at 3 put outputs on both sides of the clip.
  for (ConvBnAct* block : {&fused, &apart}) {
    block->bn().weight().data().f32_buffer()[0] = 3.0f;
    block->bn().bias().data().f32_buffer()[0] = 2.0f;
    block->train(true);
  }
  apart[2].add_forward_pre_hook([](const Var& v) { return v; });  // keeps it on the children's path
  // Both hand the ReLU6's output to its forward hooks: here they double it.
  for (ConvBnAct* block : {&fused, &apart}) (*block)[2].add_forward_hook([](const Var& y) { return add(y, y); });
  ASSERT_TRUE(fused.fuses_bn_relu6());
  ASSERT_FALSE(apart.fuses_bn_relu6());

  std::vector<std::vector<float>> results[2];
  for (int k = 0; k < 2; ++k) {
    ConvBnAct& block = k == 0 ? fused : apart;
    const Var xv(x.clone(), true);
    const Var y = block(xv);
    y.backward(dy.to_layout(y.data().desc()));
    results[k] = {y.data().to_plain(),
                  xv.grad().to_plain(),
                  block.conv().weight().grad().to_plain(),
                  block.bn().weight().grad().to_plain(),
                  block.bn().bias().grad().to_plain(),
                  block.bn().running_mean().to_plain(),
                  block.bn().running_var().to_plain()};
  }
  for (size_t i = 0; i < results[0].size(); ++i)
    EXPECT_LE(closeness(results[0][i], results[1][i], 1e-5, 1e-4), 1.0) << "part " << i;
  for (ConvBnAct* block : {&fused, &apart}) {
    const auto buffers = block->named_buffers();
    const auto tracked = std::find_if(buffers.begin(), buffers.end(),
                                      [](const NamedBuffer& b) { return b.name == "1.num_batches_tracked"; });
    ASSERT_NE(tracked, buffers.end());
    EXPECT_EQ(*tracked->tensor.data<int32_t>(), 1);
  }
}

}  // namespace
}  // namespace minnow
