// checkpoint on DenseNet's bottleneck segment, concat -> train-mode batch_norm -> relu -> 1x1
// conv2d, against the same ops recorded as usual (bit-identical output and gradients, running
// statistics updated once, parameter gradients added to the ones already there), in what a
// BackwardListener hears, against finite differences, and against torch.utils.checkpoint.
#include <gtest/gtest.h>

#include <algorithm>

#include "core/grad_mode.h"
#include "core/tape.h"
#include "models/init.h"
#include "models/layers.h"
#include "ops/batch_norm.h"
#include "ops/checkpoint.h"
#include "ops/concat.h"
#include "ops/conv2d.h"
#include "ops/eltwise.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

constexpr int64_t kIn0 = 16, kIn1 = 16, kOut = 24;

// The segment's layers, as a dense layer holds them.
struct Segment {
  std::shared_ptr<BatchNorm2d> norm = std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = kIn0 + kIn1});
  std::shared_ptr<Activation> relu = std::make_shared<Activation>(ActivationKind::relu);
  std::shared_ptr<Conv2d> conv =
      std::make_shared<Conv2d>(Conv2d::Options{.in = kIn0 + kIn1, .out = kOut, .kernel = 1, .bias = false});

  Segment() {
    Rng rng(3);
    norm->weight().set_data(test_support::random_tensor({kIn0 + kIn1}, rng, 0.5f, 1.5f));
    norm->bias().set_data(test_support::random_tensor({kIn0 + kIn1}, rng));
  }
  Var run(const std::vector<Var>& xs) const { return conv->forward(relu->forward(norm->forward(concat(xs)))); }
  std::vector<Var> params() const { return {norm->weight(), norm->bias(), conv->weight()}; }
};

struct Result {
  std::vector<float> y, dx0, dx1, dgamma, dbeta, dw, running_mean, running_var;
};

// x0, x1 blocked (N, 16, 5, 5); dy plain (N, 24, 5, 5). backwards: how many backward passes
// accumulate into the same parameters.
Result run(bool checkpointed, int backwards) {
  Rng rng(5);
  const auto blocked = [](const Tensor& t) {
    return t.to_layout(dnnl::memory::desc(t.dims(), dt::f32, dnnl::memory::format_tag::nChw16c));
  };
  const Tensor x0_value = blocked(test_support::random_tensor({3, kIn0, 5, 5}, rng));
  const Tensor x1_value = blocked(test_support::random_tensor({3, kIn1, 5, 5}, rng));
  const Tensor dy = test_support::random_tensor({3, kOut, 5, 5}, rng);
  manual_seed(1);  // the conv's weights
  const Segment s;
  Var x0(x0_value, true), x1(x1_value, true);
  for (int b = 0; b < backwards; ++b) {
    const Var y = checkpointed ? checkpoint("test_segment", {x0, x1}, s.params(),
                                            [&s](const std::vector<Var>& xs) { return s.run(xs); })
                               : s.run({x0, x1});
    y.backward(dy.to_layout(y.data().desc()));
    if (b + 1 == backwards)
      return {y.data().to_plain(),
              x0.grad().to_plain(),
              x1.grad().to_plain(),
              s.norm->weight().grad().to_plain(),
              s.norm->bias().grad().to_plain(),
              s.conv->weight().grad().to_plain(),
              s.norm->running_mean().to_plain(),
              s.norm->running_var().to_plain()};
  }
  return {};
}

TEST(Checkpoint, EqualsTheSegmentRecordedAsUsual) {
  for (int backwards : {1, 2}) {
    SCOPED_TRACE(backwards);
    const Result plain = run(false, backwards), checkpointed = run(true, backwards);
    EXPECT_EQ(checkpointed.y, plain.y);
    EXPECT_EQ(checkpointed.dx0, plain.dx0);
    EXPECT_EQ(checkpointed.dx1, plain.dx1);
    EXPECT_EQ(checkpointed.dgamma, plain.dgamma);
    EXPECT_EQ(checkpointed.dbeta, plain.dbeta);
    EXPECT_EQ(checkpointed.dw, plain.dw);
    EXPECT_EQ(checkpointed.running_mean, plain.running_mean);  // updated once per forward, not twice
    EXPECT_EQ(checkpointed.running_var, plain.running_var);
  }
}

TEST(Checkpoint, LeavesNothingOnTheTapeButItsNode) {
  clear_tape();
  const Segment s;
  Rng rng(7);
  const Var x0 = test_support::random_var({2, kIn0, 3, 3}, rng), x1 = test_support::random_var({2, kIn1, 3, 3}, rng);
  const Var y =
      checkpoint("test_segment", {x0, x1}, s.params(), [&s](const std::vector<Var>& xs) { return s.run(xs); });
  EXPECT_EQ(tape_size(), 1u);
  NoGrad no_grad;
  const Var z =
      checkpoint("test_segment", {x0, x1}, s.params(), [&s](const std::vector<Var>& xs) { return s.run(xs); });
  EXPECT_FALSE(z.requires_grad());
  EXPECT_EQ(z.data().to_plain(), y.data().to_plain());
}

// Data-parallel training sums each parameter's gradient once a BackwardListener hears it is
// final: a checkpoint's parameters are reported once each, after their gradient has arrived,
// and the recomputation's own backward pass reports nothing.
TEST(Checkpoint, ReportsItsParametersFinalOnceTheirGradientsArrived) {
  struct Listener : BackwardListener {
    std::vector<std::pair<VarImpl*, std::vector<float>>> done;
    void leaf_done(const Var& leaf) override { done.emplace_back(leaf.impl(), leaf.grad().to_plain()); }
  } listener;
  const Segment s;
  Rng rng(13);
  const Var x0 = test_support::random_var({2, kIn0, 3, 3}, rng), x1 = test_support::random_var({2, kIn1, 3, 3}, rng);
  const Var y =
      checkpoint("test_segment", {x0, x1}, s.params(), [&s](const std::vector<Var>& xs) { return s.run(xs); });
  {
    ListenToBackward listen(listener);
    y.backward(Tensor::full(y.dims(), 1.0f).to_layout(y.data().desc()));
  }
  std::vector<Var> leaves = {x0, x1};
  for (const auto& p : s.params()) leaves.push_back(p);
  ASSERT_EQ(listener.done.size(), leaves.size());
  for (const auto& leaf : leaves) {
    const auto it =
        std::find_if(listener.done.begin(), listener.done.end(), [&](const auto& d) { return d.first == leaf.impl(); });
    ASSERT_NE(it, listener.done.end());
    EXPECT_EQ(it->second, leaf.grad().to_plain());
  }
}

// The segment on explicit inputs (x0, x1, gamma, beta, w); batch_norm without running buffers.
Var explicit_segment(const std::vector<Var>& in) {
  return checkpoint("test_segment", {in[0], in[1]}, {in[2], in[3], in[4]}, [in](const std::vector<Var>& xs) {
    const Var normed = batch_norm(concat(xs), in[2], in[3], Tensor(), Tensor(), true);
    return conv2d(relu(normed), in[4], Var(), {});
  });
}

std::vector<Tensor> explicit_inputs(Rng& rng) {
  return {test_support::random_tensor({2, kIn0, 3, 3}, rng), test_support::random_tensor({2, kIn1, 3, 3}, rng),
          test_support::random_tensor({kIn0 + kIn1}, rng, 0.5f, 1.5f), test_support::random_tensor({kIn0 + kIn1}, rng),
          test_support::random_tensor({kOut, kIn0 + kIn1, 1, 1}, rng)};
}

TEST(Checkpoint, MatchesFiniteDifferences) {
  Rng rng(9);
  test_support::GradcheckOptions options;
  options.kink_tolerance = 0.05;  // ReLU kinks
  test_support::expect_gradcheck(explicit_segment, explicit_inputs(rng), options);
}

TEST(Checkpoint, MatchesTorchUtilsCheckpoint) {
  Rng rng(11);
  const std::vector<Tensor> in = explicit_inputs(rng);
  const Tensor dy = test_support::random_tensor({2, kOut, 3, 3}, rng);
  std::vector<Var> vars;
  for (const auto& t : in) vars.emplace_back(t, true);
  const Var y = explicit_segment(vars);
  y.backward(dy.to_layout(y.data().desc()));
  test_support::TorchParity torch;
  torch.add("segment", "dense_bottleneck_checkpoint", "{}",
            {{"x0", in[0]}, {"x1", in[1]}, {"gamma", in[2]}, {"beta", in[3]}, {"w", in[4]}, {"dy", dy}});
  torch.run();
  test_support::expect_matches_torch(y.data().to_plain(), torch.result("segment", "y"), 1e-5, 1e-4, "y");
  const char* names[] = {"dx0", "dx1", "dgamma", "dbeta", "dw"};
  for (size_t i = 0; i < vars.size(); ++i)
    test_support::expect_matches_torch(vars[i].grad().to_plain(), torch.result("segment", names[i]), 1e-5, 1e-4,
                                       names[i]);
}

}  // namespace
}  // namespace minnow
