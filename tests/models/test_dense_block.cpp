// DenseBlock's memory-efficient form (DenseLayer::forward_features: each bottleneck a
// checkpoint) against its plain form (each layer on the concatenation of all earlier features):
// the same output, gradients and running statistics, and the storage a recorded forward keeps
// alive for backward, which grows with the square of the layer count in the plain form and
// linearly in the memory-efficient one.
#include <gtest/gtest.h>

#include <iostream>

#include "core/allocator.h"
#include "models/densenet.h"
#include "models/init.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

constexpr int64_t kBatch = 4, kSide = 8, kIn = 64, kGrowth = 32, kBottleneck = 128;

struct BlockRun {
  size_t held_bytes = 0;  // storage alive after the forward beyond what was alive before it
  std::vector<float> y, dx;
  std::vector<std::vector<float>> grads, buffers;
};

BlockRun run_block(int64_t layers, bool memory_efficient) {
  manual_seed(4);
  DenseBlock block({.in = kIn,
                    .layers = layers,
                    .bottleneck = kBottleneck,
                    .growth = kGrowth,
                    .memory_efficient = memory_efficient});
  Rng rng(6);
  const Tensor x_plain = test_support::random_tensor({kBatch, kIn, kSide, kSide}, rng);
  const Var x(x_plain.to_layout(dnnl::memory::desc(x_plain.dims(), dt::f32, dnnl::memory::format_tag::nChw16c)), true);
  // A first step moves every weight into its primitive's layout and fills the allocator's cache.
  block.forward(x).backward(Tensor::full({kBatch, kIn + layers * kGrowth, kSide, kSide}, 1.0f));
  x.zero_grad();
  for (const auto& p : block.named_parameters()) p.var.zero_grad();

  BlockRun r;
  const size_t before = live_storage_bytes();
  const Var y = block.forward(x);  // (N, in + L growth, H, W)
  r.held_bytes = live_storage_bytes() - before;
  const Tensor dy = test_support::random_tensor(y.dims(), rng);
  y.backward(dy.to_layout(y.data().desc()));
  r.y = y.data().to_plain();
  r.dx = x.grad().to_plain();
  for (const auto& p : block.named_parameters()) r.grads.push_back(p.var.grad().to_plain());
  for (const auto& b : block.named_buffers()) r.buffers.push_back(b.tensor.to_plain());
  return r;
}

TEST(DenseBlock, MemoryEfficientFormEqualsThePlainForm) {
  const BlockRun plain = run_block(6, false), efficient = run_block(6, true);
  EXPECT_EQ(efficient.y, plain.y);
  EXPECT_EQ(efficient.dx, plain.dx);
  EXPECT_EQ(efficient.grads, plain.grads);
  EXPECT_EQ(efficient.buffers, plain.buffers);  // running statistics updated once per forward
}

// Per layer the memory-efficient form keeps conv1's output (norm2's saved input), relu2's
// output (its own saved value and conv2's input) and the new features: 2 x 128 + 32 channels;
// and the block's joined output. norm2's output goes once relu2 has read it: the graph holds
// no value that no backward saved. The plain form also keeps each layer's concatenation
// (norm1's input) and relu1's output: 2 (in + k growth) channels more for layer k.
TEST(DenseBlock, MemoryEfficientFormHoldsStorageLinearInTheLayers) {
  const double map_bytes = kBatch * kSide * kSide * sizeof(float);  // one channel of the batch
  for (int64_t layers : {6, 12, 24}) {
    SCOPED_TRACE(layers);
    const BlockRun plain = run_block(layers, false), efficient = run_block(layers, true);
    const double linear =
        static_cast<double>(layers * (2 * kBottleneck + kGrowth) + kIn + layers * kGrowth) * map_bytes;
    std::cout << layers << " layers: plain form holds " << plain.held_bytes << " bytes, memory-efficient "
              << efficient.held_bytes << " (" << static_cast<double>(efficient.held_bytes) / linear
              << " of the linear count " << linear << ")\n";
    EXPECT_LE(static_cast<double>(efficient.held_bytes), 1.1 * linear);
    const double concatenations =
        2.0 * static_cast<double>(layers * kIn + kGrowth * layers * (layers - 1) / 2) * map_bytes;
    EXPECT_GE(static_cast<double>(plain.held_bytes), static_cast<double>(efficient.held_bytes) + 0.9 * concatenations);
  }
}

// A hooked layer runs the plain form, so a feature hook (distillation) sees its concatenated input.
TEST(DenseBlock, ALayerWithHooksSeesItsConcatenatedInputWhileRecording) {
  DenseBlock block({.in = kIn, .layers = 3, .bottleneck = kBottleneck, .growth = kGrowth});
  Module* second = nullptr;
  for (const auto& [name, module] : block.named_modules())
    if (name == "denselayer2") second = module;
  ASSERT_NE(second, nullptr);
  std::vector<Dims> seen;
  second->add_forward_pre_hook([&seen](const Var& x) {
    seen.push_back(x.dims());
    return x;
  });
  Rng rng(8);
  const Var x = test_support::random_var({2, kIn, 4, 4}, rng);
  block.forward(x).backward(Tensor::full({2, kIn + 3 * kGrowth, 4, 4}, 1.0f));
  EXPECT_EQ(seen, (std::vector<Dims>{{2, kIn + kGrowth, 4, 4}}));
  EXPECT_TRUE(x.grad().defined());
}

}  // namespace
}  // namespace minnow
