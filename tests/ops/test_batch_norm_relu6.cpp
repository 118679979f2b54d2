// batch_norm_relu6 against a double-precision reference loop (forward, running statistics,
// backward), finite differences, PyTorch (F.batch_norm then F.relu6), and the two ops it
// replaces run apart; its AVX-512 sums against the portable ones to the bit; and the
// gradient it writes over a dy nothing else holds.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/allocator.h"
#include "core/cpu_features.h"
#include "core/rng.h"
#include "ops/batch_norm.h"
#include "ops/batch_norm_relu6.h"
#include "ops/batch_norm_relu6_sums.h"
#include "ops/binary.h"
#include "ops/eltwise.h"
#include "tests/support/batch_norm_reference.h"
#include "tests/support/errors.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using dnnl::memory;
using test_support::closeness;
using test_support::random_tensor;

struct Case {
  int64_t n, c, h, w;
  memory::format_tag layout;
};

std::ostream& operator<<(std::ostream& out, const Case& t) {
  return out << "n" << t.n << "_c" << t.c << "_" << t.h << "x" << t.w << "_"
             << (t.layout == memory::format_tag::nChw16c ? "nChw16c"
                 : t.layout == memory::format_tag::nhwc  ? "nhwc"
                                                         : "nchw");
}

const Case kCases[] = {
    {3, 20, 7, 7, memory::format_tag::nChw16c},  // 12 padding channels in the second block
    {2, 32, 5, 9, memory::format_tag::nChw16c},
    {3, 24, 7, 13, memory::format_tag::nchw},    // moved to nChw16c; dx comes back plain
    {2, 16, 9, 9, memory::format_tag::nhwc},
    {1, 5, 1, 3, memory::format_tag::nChw16c},   // one block, mostly padding, three values per channel
};

struct Inputs {
  Tensor x, gamma, beta, running_mean, running_var;
};

// gamma in [2, 4] and beta in [1, 3] put some outputs above 6 and some below 0.
Inputs make_inputs(const Case& t, Rng& rng) {
  return {random_tensor({t.n, t.c, t.h, t.w}, rng, -1.0f, 2.0f), random_tensor({t.c}, rng, 2.0f, 4.0f),
          random_tensor({t.c}, rng, 1.0f, 3.0f), random_tensor({t.c}, rng, -0.5f, 0.5f),
          random_tensor({t.c}, rng, 0.5f, 1.5f)};
}

Var input_var(const Case& t, const Tensor& x) {
  return Var(x.to_layout(memory::desc(x.dims(), dt::f32, t.layout)), true);
}

using Reference = test_support::BatchNormReference;

// The double-precision reference (tests/support/batch_norm_reference.h): training, then ReLU6.
Reference reference(const Inputs& in, const std::vector<float>& dy, const BatchNormRelu6Options& o) {
  return test_support::batch_norm_reference(in.x, in.gamma, in.beta, in.running_mean, in.running_var, dy,
                                            {.clip = test_support::BatchNormClip::relu6,
                                             .eps = o.eps,
                                             .momentum = o.momentum});
}

class BatchNormRelu6Test : public ::testing::TestWithParam<Case> {};

TEST_P(BatchNormRelu6Test, MatchesReferenceForwardAndBackward) {
  const Case t = GetParam();
  Rng rng(11);
  const Inputs in = make_inputs(t, rng);
  const BatchNormRelu6Options opt{.momentum = 0.3f};
  const Var x = input_var(t, in.x), gamma(in.gamma.clone(), true), beta(in.beta.clone(), true);
  const Tensor running_mean = in.running_mean.clone(), running_var = in.running_var.clone();

  const Var y = batch_norm_relu6(x, gamma, beta, running_mean, running_var, opt);
  const Tensor dy = random_tensor(y.dims(), rng);
  const Reference ref = reference(in, dy.to_plain(), opt);
  EXPECT_EQ(y.data().desc(), memory::desc(y.dims(), dt::f32, memory::format_tag::nChw16c));
  const std::vector<float> yv = y.data().to_plain();
  EXPECT_LE(closeness(yv, ref.y, 1e-5, 1e-4), 1.0);
  if (t.n * t.h * t.w > 3) {  // both edges of the clip are exercised
    EXPECT_GT(std::count(yv.begin(), yv.end(), 0.0f), 0);
    EXPECT_GT(std::count(yv.begin(), yv.end(), 6.0f), 0);
  }
  // oneDNN keeps the padding channels of a blocked map zero; so does this op.
  const auto raw = y.data().f32_buffer();
  EXPECT_EQ(std::count_if(raw.begin(), raw.end(), [](float v) { return v != 0.0f; }),
            std::count_if(yv.begin(), yv.end(), [](float v) { return v != 0.0f; }));
  EXPECT_LE(closeness(running_mean.to_plain(), ref.running_mean, 1e-6, 1e-5), 1.0);
  EXPECT_LE(closeness(running_var.to_plain(), ref.running_var, 1e-6, 1e-5), 1.0);

  y.backward(dy.to_layout(y.data().desc()));
  EXPECT_EQ(x.grad().desc(), x.data().desc());
  EXPECT_LE(closeness(x.grad().to_plain(), ref.dx, 1e-5, 1e-4), 1.0);
  EXPECT_LE(closeness(gamma.grad().to_plain(), ref.dgamma, 1e-4, 1e-4), 1.0);
  EXPECT_LE(closeness(beta.grad().to_plain(), ref.dbeta, 1e-4, 1e-4), 1.0);
}

// Finite differences on plain inputs (each moved to nChw16c by the op); the layouts' own
// cases are the reference test's.
TEST(BatchNormRelu6, MatchesFiniteDifferences) {
  for (const Case& t : {Case{3, 20, 5, 5, memory::format_tag::nchw}, Case{1, 5, 1, 3, memory::format_tag::nchw}}) {
    Rng rng(5);
    const Inputs in = make_inputs(t, rng);
    test_support::GradcheckOptions check;
    // As for batch_norm's fused ReLU: a step in gamma or beta moves a whole channel, so an
    // output may cross an edge of the clip; small steps, strict kink test.
    check.eps = 1e-3;
    check.kink_tolerance = 1e-3;
    test_support::expect_gradcheck(
        [](const std::vector<Var>& v) { return batch_norm_relu6(v[0], v[1], v[2], Tensor(), Tensor()); },
        {in.x, in.gamma, in.beta}, check);
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, BatchNormRelu6Test, ::testing::ValuesIn(kCases), [](const auto& param_info) {
  std::ostringstream name;
  name << param_info.param;
  return name.str();
});

TEST(BatchNormRelu6, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, dx, dgamma, dbeta, running_mean, running_var;
  };
  std::vector<Got> got;
  for (const auto& t : kCases) {
    Rng rng(100 + got.size());
    const Inputs in = make_inputs(t, rng);
    const Var x = input_var(t, in.x), gamma(in.gamma, true), beta(in.beta, true);
    const Tensor running_mean = in.running_mean.clone(), running_var = in.running_var.clone();
    const Var y = batch_norm_relu6(x, gamma, beta, running_mean, running_var);
    const Tensor dy = random_tensor(y.dims(), rng);
    y.backward(dy.to_layout(y.data().desc()));
    std::ostringstream id;
    id << t;
    torch.add(id.str(), "batch_norm_relu6", R"({"momentum":0.1,"eps":1e-5,"constant":["running_mean","running_var"]})",
              {{"x", in.x}, {"running_mean", in.running_mean}, {"running_var", in.running_var}, {"dy", dy},
               {"gamma", in.gamma}, {"beta", in.beta}});
    got.push_back({id.str(), y.data().to_plain(), x.grad().to_plain(), gamma.grad().to_plain(),
                   beta.grad().to_plain(), running_mean.to_plain(), running_var.to_plain()});
  }
  torch.run();
  for (const auto& g : got) {
    test_support::expect_matches_torch(g.y, torch.result(g.id, "y"), 1e-5, 1e-4, g.id + " y");
    test_support::expect_matches_torch(g.dx, torch.result(g.id, "dx"), 1e-5, 1e-4, g.id + " dx");
    test_support::expect_matches_torch(g.dgamma, torch.result(g.id, "dgamma"), 1e-4, 1e-4, g.id + " dgamma");
    test_support::expect_matches_torch(g.dbeta, torch.result(g.id, "dbeta"), 1e-4, 1e-4, g.id + " dbeta");
    test_support::expect_matches_torch(g.running_mean, torch.result(g.id, "running_mean"), 1e-6, 1e-5,
                                       g.id + " running_mean");
    test_support::expect_matches_torch(g.running_var, torch.result(g.id, "running_var"), 1e-6, 1e-5,
                                       g.id + " running_var");
  }
}

// The op stands in for batch_norm then relu6 (ConvBnAct in training): same values within
// float rounding, forward, backward and the running statistics.
TEST(BatchNormRelu6, EqualsBatchNormThenRelu6) {
  for (const Case& t : kCases) {
    Rng rng(21);
    const Inputs in = make_inputs(t, rng);
    const Tensor dy = random_tensor({t.n, t.c, t.h, t.w}, rng);
    auto run = [&](bool one_op) {
      const Var x = input_var(t, in.x), gamma(in.gamma.clone(), true), beta(in.beta.clone(), true);
      const Tensor mean = in.running_mean.clone(), var = in.running_var.clone();
      const Var y = one_op ? batch_norm_relu6(x, gamma, beta, mean, var)
                           : relu6(batch_norm(x, gamma, beta, mean, var, true));
      y.backward(dy.to_layout(y.data().desc()));
      return std::vector<std::vector<float>>{y.data().to_plain(),     x.grad().to_plain(), gamma.grad().to_plain(),
                                             beta.grad().to_plain(),  mean.to_plain(),     var.to_plain()};
    };
    const auto one = run(true), apart = run(false);
    for (size_t i = 0; i < one.size(); ++i)
      EXPECT_LE(closeness(one[i], apart[i], 1e-5, 1e-4), 1.0) << t << " part " << i;
  }
}

// Inside a graph the gradient the op receives is held by nothing else, and its backward writes
// dx over it: one map (mul's dy c) and the (C) gradients on top of what is live, not two maps.
// A gradient the caller still holds is read, never written.
TEST(BatchNormRelu6, BackwardWritesOverAGradientNothingElseHolds) {
  const Case t{3, 20, 7, 7, memory::format_tag::nChw16c};
  Rng rng(5);
  const Inputs in = make_inputs(t, rng);
  const Var x = input_var(t, in.x), gamma(in.gamma.clone(), true), beta(in.beta.clone(), true);
  const Var y = batch_norm_relu6(x, gamma, beta, Tensor(), Tensor());
  const Tensor c = random_tensor(y.dims(), rng).to_layout(y.data().desc());
  const Tensor dy = random_tensor(y.dims(), rng).to_layout(y.data().desc());
  const std::vector<float> dy_before = dy.to_plain(), cv = c.to_plain();
  std::vector<float> dyc(dy_before.size());
  for (size_t i = 0; i < dyc.size(); ++i) dyc[i] = dy_before[i] * cv[i];
  const Reference ref = reference(in, dyc, {});

  const Var z = mul(y, Var(c));
  const size_t live = live_storage_bytes();
  reset_peak_storage();
  z.backward(dy);
  auto block = [](size_t bytes) { return (bytes + 63) / 64 * 64; };  // the allocator's 64-byte blocks
  const size_t map = block(dy.desc().get_size()), channel_grads = 2 * block(static_cast<size_t>(t.c) * 4);
  EXPECT_LE(peak_live_storage_bytes() - live, map + channel_grads);
  EXPECT_LE(closeness(x.grad().to_plain(), ref.dx, 1e-5, 1e-4), 1.0);
  EXPECT_LE(closeness(gamma.grad().to_plain(), ref.dgamma, 1e-4, 1e-4), 1.0);
  EXPECT_EQ(dy.to_plain(), dy_before);
}

TEST(BatchNormRelu6, BadInputsGiveClearErrors) {
  Rng rng(3);
  const Var x(random_tensor({2, 4, 3, 3}, rng), true), gamma(Tensor::full({4}, 1.0f), true),
      beta(Tensor::zeros({4}), true);
  test_support::expect_error([&] { batch_norm_relu6(x, Var(Tensor::full({3}, 1.0f), true), beta, Tensor(), Tensor()); },
                             "expected gamma and beta of dims [4]");
  test_support::expect_error(
      [&] { batch_norm_relu6(Var(random_tensor({1, 4, 1, 1}, rng)), gamma, beta, Tensor(), Tensor()); },
      "more than one value per channel, got input dims [1, 4, 1, 1]");
  test_support::expect_error([&] { batch_norm_relu6(x, gamma, beta, Tensor::zeros({4}), Tensor()); },
                             "both given or both undefined");
  test_support::expect_error([&] { batch_norm_relu6(x, gamma, beta, Tensor::zeros({5}), Tensor::zeros({5})); },
                             "plain f32 buffers of dims [4]");
  test_support::expect_error([&] { batch_norm_relu6(x, gamma, beta, Tensor(), Tensor(), {.eps = 0.0f}); },
                             "expected eps > 0");
}

// The AVX-512 sums give the portable loops' floats, bit for bit, on values that straddle both
// edges of the clip (and NaN, which is outside both).
TEST(BatchNormRelu6, Avx512SumsEqualThePortableOnes) {
  if (!cpu_has_avx512_bw()) GTEST_SKIP() << "this CPU has no AVX-512 BW";
  using bn_relu6::kLanes;
  Rng rng(9);
  for (const int64_t hw : {1, 63, 64, 65, 200}) {
    std::vector<float> x(static_cast<size_t>(hw * kLanes)), dy(x.size()), lane(kLanes * 4);
    rng.fill_uniform(x, -3.0f, 9.0f);
    rng.fill_uniform(dy, -1.0f, 1.0f);
    rng.fill_uniform(lane, 0.5f, 1.5f);
    x[3] = std::nanf("");
    const float* mean = lane.data();
    const float* rstd = lane.data() + kLanes;
    const float* scale = lane.data() + 2 * kLanes;
    const float* beta = lane.data() + 3 * kLanes;
    std::vector<double> p(4 * kLanes, 0.5), a(4 * kLanes, 0.5);  // start from non-zero sums: they add
    bn_relu6::portable::moments(x.data(), hw, mean, p.data(), p.data() + kLanes);
    bn_relu6::avx512::moments(x.data(), hw, mean, a.data(), a.data() + kLanes);
    bn_relu6::portable::gradient_sums(x.data(), dy.data(), hw, mean, rstd, scale, beta, p.data() + 2 * kLanes,
                                      p.data() + 3 * kLanes);
    bn_relu6::avx512::gradient_sums(x.data(), dy.data(), hw, mean, rstd, scale, beta, a.data() + 2 * kLanes,
                                    a.data() + 3 * kLanes);
    for (size_t i = 0; i < p.size(); ++i) {
      if (std::isnan(p[i])) {
        EXPECT_TRUE(std::isnan(a[i])) << "hw " << hw << " sum " << i;
      } else {
        EXPECT_EQ(p[i], a[i]) << "hw " << hw << " sum " << i;
      }
    }
  }
}

}  // namespace
}  // namespace minnow
