// batch_norm against a double-precision reference loop (training with the
// running-statistics update, eval, fused ReLU, no affine part), finite
// differences and PyTorch, on plain and blocked (nChw16c) inputs; slow layouts move.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/allocator.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "core/reorder.h"
#include "ops/batch_norm.h"
#include "ops/binary.h"
#include "ops/primitive_cache.h"
#include "tests/support/batch_norm_reference.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using test_support::closeness;

struct BnCase {
  int64_t n, c, h, w;
  bool training, fuse_relu, affine, blocked;
};

std::ostream& operator<<(std::ostream& out, const BnCase& c) {
  return out << "n" << c.n << "_c" << c.c << "_" << c.h << "x" << c.w << (c.training ? "_train" : "_eval")
             << (c.fuse_relu ? "_relu" : "") << (c.affine ? "" : "_noaffine") << (c.blocked ? "_blocked" : "");
}

const BnCase kCases[] = {
    {1, 3, 13, 13, true, false, true, false},
    {3, 20, 7, 7, true, false, true, true},    // C not a multiple of 16, blocked
    {3, 24, 7, 13, true, true, true, false},   // fused relu
    {1, 20, 13, 7, true, true, true, true},
    {2, 5, 7, 7, true, false, false, false},   // no gamma, beta
    {3, 3, 7, 7, false, false, true, false},
    {3, 20, 7, 7, false, false, true, true},
    {1, 24, 13, 13, false, true, true, true},
    {3, 3, 13, 7, false, true, true, false},
    {1, 20, 7, 7, false, false, false, true},
};

dnnl::memory::desc blocked_desc(const Dims& dims) {
  return dnnl::memory::desc(dims, dt::f32, dnnl::memory::format_tag::nChw16c);
}

// Entries that are not zero: equal for a blocked buffer and its logical values when the padding holds zeros.
size_t nonzeros(std::span<const float> values) {
  return static_cast<size_t>(std::count_if(values.begin(), values.end(), [](float v) { return v != 0.0f; }));
}

struct BnInputs {
  Tensor x, gamma, beta, running_mean, running_var;
};

BnInputs make_inputs(const BnCase& t, Rng& rng) {
  return {test_support::random_tensor({t.n, t.c, t.h, t.w}, rng, -1.0f, 2.0f),
          test_support::random_tensor({t.c}, rng, 0.5f, 1.5f), test_support::random_tensor({t.c}, rng),
          test_support::random_tensor({t.c}, rng, -0.5f, 0.5f), test_support::random_tensor({t.c}, rng, 0.5f, 1.5f)};
}

using test_support::BatchNormClip;
using Reference = test_support::BatchNormReference;

// The double-precision reference (tests/support/batch_norm_reference.h) for this case.
Reference reference_bn(const BnCase& t, const BnInputs& in, const std::vector<float>& dy,
                       const BatchNormOptions& o) {
  return test_support::batch_norm_reference(in.x, in.gamma, in.beta, in.running_mean, in.running_var, dy,
                                            {.training = t.training,
                                             .affine = t.affine,
                                             .clip = t.fuse_relu ? BatchNormClip::relu : BatchNormClip::none,
                                             .eps = o.eps,
                                             .momentum = o.momentum});
}

Var input_var(const BnCase& t, const Tensor& x) {
  return Var(t.blocked ? x.to_layout(blocked_desc(x.dims())) : x, true);
}

class BatchNormTest : public ::testing::TestWithParam<BnCase> {};

TEST_P(BatchNormTest, MatchesReferenceForwardAndBackward) {
  const BnCase t = GetParam();
  Rng rng(11);
  const BnInputs in = make_inputs(t, rng);
  const BatchNormOptions opt{.momentum = 0.3f, .fuse_relu = t.fuse_relu};
  const Var x = input_var(t, in.x);
  const Var gamma = t.affine ? Var(in.gamma.clone(), true) : Var();
  const Var beta = t.affine ? Var(in.beta.clone(), true) : Var();
  const Tensor running_mean = in.running_mean.clone(), running_var = in.running_var.clone();

  const Var y = batch_norm(x, gamma, beta, running_mean, running_var, t.training, opt);
  const Tensor dy = test_support::random_tensor(y.dims(), rng);
  const Reference ref = reference_bn(t, in, dy.to_plain(), opt);
  EXPECT_EQ(y.data().desc(), x.data().desc());
  EXPECT_LE(closeness(y.data().to_plain(), ref.y, 1e-5, 1e-4), 1.0);
  EXPECT_LE(closeness(running_mean.to_plain(), ref.running_mean, 1e-6, 1e-5), 1.0);
  EXPECT_LE(closeness(running_var.to_plain(), ref.running_var, 1e-6, 1e-5), 1.0);

  y.backward(dy.to_layout(y.data().desc()));
  EXPECT_EQ(x.grad().desc(), x.data().desc());
  EXPECT_LE(closeness(x.grad().to_plain(), ref.dx, 1e-5, 1e-4), 1.0);
  if (t.affine) {
    EXPECT_LE(closeness(gamma.grad().to_plain(), ref.dgamma, 1e-4, 1e-4), 1.0);
    EXPECT_LE(closeness(beta.grad().to_plain(), ref.dbeta, 1e-4, 1e-4), 1.0);
  }
}

TEST_P(BatchNormTest, MatchesFiniteDifferences) {
  const BnCase t = GetParam();
  Rng rng(5);
  const BnInputs in = make_inputs(t, rng);
  const BatchNormOptions opt{.fuse_relu = t.fuse_relu};
  // In training the output does not depend on the running buffers, which each evaluation moves.
  const Tensor running_mean = in.running_mean.clone(), running_var = in.running_var.clone();
  std::vector<Tensor> inputs{in.x};
  if (t.affine) inputs.insert(inputs.end(), {in.gamma, in.beta});
  test_support::GradcheckOptions check;
  if (t.fuse_relu) {
    // A step in gamma or beta moves a whole channel, so an output may cross the relu's kink. The step is
    // small so that this is rare, and the kink test strict: one crossing output shifts a slope of ~5 by ~0.3.
    check.eps = 1e-3;
    check.kink_tolerance = 1e-3;
  }
  test_support::expect_gradcheck(
      [&](const std::vector<Var>& v) {
        return batch_norm(v[0], t.affine ? v[1] : Var(), t.affine ? v[2] : Var(), running_mean, running_var,
                          t.training, opt);
      },
      inputs, check);
}

INSTANTIATE_TEST_SUITE_P(Shapes, BatchNormTest, ::testing::ValuesIn(kCases), [](const auto& param_info) {
  std::ostringstream name;
  name << param_info.param;
  return name.str();
});

TEST(BatchNorm, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    bool affine;
    std::vector<float> y, dx, dgamma, dbeta, running_mean, running_var;
  };
  std::vector<Got> got;
  for (const auto& t : kCases) {
    Rng rng(100 + got.size());
    const BnInputs in = make_inputs(t, rng);
    const BatchNormOptions opt{.fuse_relu = t.fuse_relu};
    const Var x = input_var(t, in.x);
    const Var gamma = t.affine ? Var(in.gamma, true) : Var(), beta = t.affine ? Var(in.beta, true) : Var();
    const Tensor running_mean = in.running_mean.clone(), running_var = in.running_var.clone();
    const Var y = batch_norm(x, gamma, beta, running_mean, running_var, t.training, opt);
    const Tensor dy = test_support::random_tensor(y.dims(), rng);
    y.backward(dy.to_layout(y.data().desc()));
    std::ostringstream id, args;
    id << t;
    args << R"({"training":)" << (t.training ? "true" : "false") << R"(,"fuse_relu":)"
         << (t.fuse_relu ? "true" : "false") << R"(,"momentum":0.1,"eps":1e-5,)"
         << R"("constant":["running_mean","running_var"]})";
    std::vector<std::pair<std::string, Tensor>> inputs{
        {"x", in.x}, {"running_mean", in.running_mean}, {"running_var", in.running_var}, {"dy", dy}};
    if (t.affine) inputs.insert(inputs.end(), {{"gamma", in.gamma}, {"beta", in.beta}});
    torch.add(id.str(), "batch_norm", args.str(), inputs);
    got.push_back({id.str(), t.affine, y.data().to_plain(), x.grad().to_plain(),
                   t.affine ? gamma.grad().to_plain() : std::vector<float>{},
                   t.affine ? beta.grad().to_plain() : std::vector<float>{}, running_mean.to_plain(),
                   running_var.to_plain()});
  }
  torch.run();
  for (const auto& g : got) {
    test_support::expect_matches_torch(g.y, torch.result(g.id, "y"), 1e-5, 1e-4, g.id + " y");
    test_support::expect_matches_torch(g.dx, torch.result(g.id, "dx"), 1e-5, 1e-4, g.id + " dx");
    test_support::expect_matches_torch(g.running_mean, torch.result(g.id, "running_mean"), 1e-6, 1e-5,
                                       g.id + " running_mean");
    test_support::expect_matches_torch(g.running_var, torch.result(g.id, "running_var"), 1e-6, 1e-5,
                                       g.id + " running_var");
    if (!g.affine) continue;
    test_support::expect_matches_torch(g.dgamma, torch.result(g.id, "dgamma"), 1e-4, 1e-4, g.id + " dgamma");
    test_support::expect_matches_torch(g.dbeta, torch.result(g.id, "dbeta"), 1e-4, 1e-4, g.id + " dbeta");
  }
}

// With channels a multiple of 16 both layouts have JIT kernels (other counts: the test below).
// Inside a graph the gradient a batch norm receives is held by nothing else, and its backward
// writes dx over it: backward then needs one map (mul's dy c) and the (C) gradients on top of
// what is live, not two maps. A gradient the caller still holds is read, never written.
TEST(BatchNorm, BackwardWritesOverAGradientNothingElseHolds) {
  for (const BnCase& t : {BnCase{3, 20, 7, 7, true, false, true, true}, BnCase{3, 24, 7, 13, true, true, true, false}}) {
    Rng rng(5);
    const BnInputs in = make_inputs(t, rng);
    const BatchNormOptions opt{.fuse_relu = t.fuse_relu};
    const Var x = input_var(t, in.x), gamma(in.gamma.clone(), true), beta(in.beta.clone(), true);
    const Var y = batch_norm(x, gamma, beta, in.running_mean.clone(), in.running_var.clone(), t.training, opt);
    const Tensor c = test_support::random_tensor(y.dims(), rng).to_layout(y.data().desc());
    const Tensor dy = test_support::random_tensor(y.dims(), rng).to_layout(y.data().desc());
    const std::vector<float> dy_before = dy.to_plain(), cv = c.to_plain();
    std::vector<float> dyc(dy_before.size());
    for (size_t i = 0; i < dyc.size(); ++i) dyc[i] = dy_before[i] * cv[i];
    const Reference ref = reference_bn(t, in, dyc, opt);

    const Var z = mul(y, Var(c));
    const size_t live = live_storage_bytes();
    reset_peak_storage();
    z.backward(dy);
    auto block = [](size_t bytes) { return (bytes + 63) / 64 * 64; };  // the allocator's 64-byte blocks
    const size_t map = block(dy.desc().get_size()), channel_grads = 2 * block(static_cast<size_t>(t.c) * 4);
    EXPECT_LE(peak_live_storage_bytes() - live, map + channel_grads) << t;
    EXPECT_LE(closeness(x.grad().to_plain(), ref.dx, 1e-5, 1e-4), 1.0) << t;
    EXPECT_LE(closeness(gamma.grad().to_plain(), ref.dgamma, 1e-4, 1e-4), 1.0) << t;
    EXPECT_EQ(dy.to_plain(), dy_before) << t;
  }
}

TEST(BatchNorm, KeepsBlockedAndChannelsLastLayoutsWithoutReorders) {
  using tag = dnnl::memory::format_tag;
  const Dims dims{3, 32, 7, 7};
  for (const tag layout : {tag::nChw16c, tag::nhwc})
    for (const bool training : {true, false})
      for (const bool fuse_relu : {false, true}) {
        Rng rng(7);
        const dnnl::memory::desc md(dims, dt::f32, layout);
        const BnInputs in = make_inputs({3, 32, 7, 7, training, fuse_relu, true, true}, rng);
        const Var x(in.x.to_layout(md), true), gamma(in.gamma, true), beta(in.beta, true);
        const Tensor dy = test_support::random_tensor(dims, rng).to_layout(md);
        const BatchNormOptions opt{.fuse_relu = fuse_relu};
        auto step = [&] {
          const Var y = batch_norm(x, gamma, beta, in.running_mean, in.running_var, training, opt);
          y.backward(dy);
          return y;
        };
        (void)step();
        const uint64_t reorders = reorder_count(), builds = primitive_builds();
        const Var y = step();
        std::ostringstream what;
        what << (layout == tag::nhwc ? "nhwc" : "nChw16c") << " training " << training << " relu " << fuse_relu;
        EXPECT_EQ(reorder_count(), reorders) << what.str();
        EXPECT_EQ(primitive_builds(), builds) << what.str();
        EXPECT_EQ(y.data().desc(), md) << what.str();
        EXPECT_EQ(x.grad().desc(), md) << what.str();
        EXPECT_EQ(nonzeros(y.data().f32_buffer()), nonzeros(y.data().to_plain())) << what.str();
        EXPECT_EQ(nonzeros(x.grad().f32_buffer()), nonzeros(x.grad().to_plain())) << what.str();
      }
}

// Inputs with no JIT kernel run in nChw16c: aBcd4b (a grouped conv's output with 20 channels
// per group) has only oneDNN's reference kernel, nhwc with 22 channels (a pruned model's)
// only the C++ nspc_bnorm. The result equals the plain run's and dx comes back in x's layout.
TEST(BatchNorm, LayoutsWithoutJitKernelsRunInNChw16c) {
  using tag = dnnl::memory::format_tag;
  for (const auto& input : {std::pair{int64_t{20}, tag::aBcd4b}, std::pair{int64_t{22}, tag::nhwc}})
    for (const bool training : {true, false}) {
      const int64_t channels = input.first;
      const tag layout = input.second;
      const Dims dims{3, channels, 7, 7};
      const dnnl::memory::desc slow(dims, dt::f32, layout);
      Rng rng(8);
      const BnInputs in = make_inputs({3, channels, 7, 7, training, true, true, true}, rng);
      const Tensor dy = test_support::random_tensor(dims, rng);
      const BatchNormOptions opt{.fuse_relu = true};
      auto run = [&](const dnnl::memory::desc& md) {
        const Tensor mean = in.running_mean.clone(), var = in.running_var.clone();
        const Var x(in.x.to_layout(md), true), gamma(in.gamma, true), beta(in.beta, true);
        const Var y = batch_norm(x, gamma, beta, mean, var, training, opt);
        y.backward(dy.to_layout(y.data().desc()));
        EXPECT_EQ(x.grad().desc(), md);
        return std::vector<std::vector<float>>{y.data().to_plain(), x.grad().to_plain(), gamma.grad().to_plain(),
                                               mean.to_plain()};
      };
      const std::string what = "channels " + std::to_string(channels) + " training " + std::to_string(training);
      const BatchNormImpl impl = batch_norm_impl(slow, training, opt);
      EXPECT_EQ(impl.src, dnnl::memory::desc(dims, dt::f32, tag::nChw16c)) << what;
      EXPECT_NE(impl.forward.find("jit"), std::string::npos) << what << ": " << impl.forward;
      EXPECT_NE(impl.backward.find("jit"), std::string::npos) << what << ": " << impl.backward;
      const auto moved = run(slow);
      const auto plain = run(plain_desc(dims));
      for (size_t i = 0; i < plain.size(); ++i)
        EXPECT_LE(test_support::closeness(moved[i], plain[i], 1e-5, 1e-4), 1.0) << what << " part " << i;
    }
}

TEST(BatchNorm, RunningStatisticsMoveOnlyInTraining) {
  Rng rng(9);
  const BnInputs in = make_inputs({3, 4, 5, 5, true, false, true, false}, rng);
  const Var x(in.x), gamma(in.gamma), beta(in.beta);
  const auto mean_before = in.running_mean.to_plain(), var_before = in.running_var.to_plain();
  (void)batch_norm(x, gamma, beta, in.running_mean, in.running_var, false);
  EXPECT_EQ(in.running_mean.to_plain(), mean_before);
  EXPECT_EQ(in.running_var.to_plain(), var_before);
  {
    NoGrad no_grad;  // a no-grad training pass still moves them, as in PyTorch
    (void)batch_norm(x, gamma, beta, in.running_mean, in.running_var, true);
  }
  EXPECT_NE(in.running_mean.to_plain(), mean_before);
  EXPECT_NE(in.running_var.to_plain(), var_before);
  // Training without running buffers normalises with the batch statistics alone.
  const Var y = batch_norm(x, gamma, beta, Tensor(), Tensor(), true);
  EXPECT_EQ(y.dims(), x.dims());
}

TEST(BatchNorm, BadArgumentsNameTheArgument) {
  Rng rng(1);
  const Var x = test_support::random_var({2, 6, 5, 5}, rng);
  const Tensor mean = Tensor::zeros({6}), var = Tensor::full({6}, 1.0f);
  try {
    (void)batch_norm(x, test_support::random_var({5}, rng), test_support::random_var({6}, rng), mean, var, true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("batch_norm: expected gamma dims [6]"), std::string::npos) << e.what();
  }
  EXPECT_THROW((void)batch_norm(x, Var(), Var(), Tensor::zeros({4}), var, true), Error);
  EXPECT_THROW((void)batch_norm(x, Var(), Var(), Tensor(), Tensor(), false), Error);
  EXPECT_THROW((void)batch_norm(x, test_support::random_var({6}, rng), Var(), mean, var, true), Error);
  EXPECT_THROW((void)batch_norm(test_support::random_var({1, 6, 1, 1}, rng), Var(), Var(), mean, var, true), Error);
}

}  // namespace
}  // namespace minnow
