// stochastic_depth against a reference loop that redraws the keep flags from the same seed
// (forward and backward, plain and blocked layouts), finite differences at a fixed seed, and
// torchvision.ops.stochastic_depth with its Bernoulli draw replaced by minnow's flags.
#include <gtest/gtest.h>

#include <cmath>
#include <iostream>

#include "core/reorder.h"
#include "ops/stochastic_depth.h"
#include "tests/support/errors.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

struct StochasticDepthCase {
  const char* name;
  Dims dims;
  float p;
  bool blocked;  // nChw16c input (20 channels: a padded last block)
};

void PrintTo(const StochasticDepthCase& c, std::ostream* out) { *out << c.name; }

const StochasticDepthCase kCases[] = {
    {"plain_p03", {6, 5, 7, 9}, 0.3f, false},
    {"blocked_20_p05", {8, 20, 5, 5}, 0.5f, true},
    {"plain_batch1_p01", {1, 3, 4, 4}, 0.1f, false},
    {"rows_2d_p07", {9, 33}, 0.7f, false},
};

Tensor in_layout(const Tensor& plain, bool blocked) {
  return blocked ? plain.to_layout(dnnl::memory::desc(plain.dims(), dt::f32, dnnl::memory::format_tag::nChw16c))
                 : plain;
}

// The keep flag of each sample for seed, as the op draws them.
std::vector<bool> keep_flags(uint64_t seed, int64_t samples, float p) {
  Rng rng(seed);
  std::vector<bool> keep;
  for (int64_t n = 0; n < samples; ++n) keep.push_back(rng.uniform() >= p);
  return keep;
}

class StochasticDepthTest : public ::testing::TestWithParam<StochasticDepthCase> {};

TEST_P(StochasticDepthTest, MatchesReferenceWithTheSameSeed) {
  const StochasticDepthCase t = GetParam();
  Rng data_rng(41);
  const Tensor x_plain = test_support::random_tensor(t.dims, data_rng);
  const Tensor dy_plain = test_support::random_tensor(t.dims, data_rng);
  const Var x(in_layout(x_plain, t.blocked), true);
  const Tensor dy = in_layout(dy_plain, t.blocked);
  Rng rng(77);
  const uint64_t reorders = reorder_count();
  const Var y = stochastic_depth(x, t.p, /*training=*/true, rng);
  y.backward(dy);
  EXPECT_EQ(reorder_count(), reorders);
  ASSERT_TRUE(y.data().desc() == x.data().desc()) << "output not in the input's layout";

  const std::vector<bool> keep = keep_flags(77, t.dims[0], t.p);
  Rng after(77);
  for (int64_t n = 0; n < t.dims[0]; ++n) (void)after.uniform();
  EXPECT_EQ(rng.state(), after.state()) << "one uniform per sample";
  const auto xs = x_plain.to_plain(), dys = dy_plain.to_plain();
  const auto ys = y.data().to_plain(), dxs = x.grad().to_plain();
  const size_t per_sample = xs.size() / static_cast<size_t>(t.dims[0]);
  const double scale = 1.0 / (1.0 - static_cast<double>(t.p));
  int kept = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const bool k = keep[i / per_sample];
    kept += k && i % per_sample == 0;
    ASSERT_NEAR(ys[i], k ? xs[i] * scale : 0.0, 1e-6 * std::abs(xs[i] * scale)) << "y element " << i;
    ASSERT_NEAR(dxs[i], k ? dys[i] * scale : 0.0, 1e-6 * std::abs(dys[i] * scale)) << "dx element " << i;
  }
  std::cout << t.name << ": " << kept << " of " << t.dims[0] << " samples kept\n";
}

TEST_P(StochasticDepthTest, MatchesFiniteDifferencesAtAFixedSeed) {
  const StochasticDepthCase t = GetParam();
  Rng rng(8);
  test_support::expect_gradcheck(
      [&](const std::vector<Var>& v) {
        Rng mask_rng(5);
        return stochastic_depth(v[0], t.p, true, mask_rng);
      },
      {test_support::random_tensor(t.dims, rng)});
}

INSTANTIATE_TEST_SUITE_P(Shapes, StochasticDepthTest, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(StochasticDepth, MatchesTorchvisionWithTheSameFlags) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, dx;
  };
  std::vector<Got> got;
  for (const auto& c : kCases) {
    Rng data_rng(300 + got.size());
    const Tensor x_plain = test_support::random_tensor(c.dims, data_rng);
    const Tensor dy = test_support::random_tensor(c.dims, data_rng);
    const Var x(in_layout(x_plain, c.blocked), true);
    Rng rng(12);
    const Var y = stochastic_depth(x, c.p, true, rng);
    y.backward(dy.to_layout(y.data().desc()));
    std::vector<float> keep;
    for (bool k : keep_flags(12, c.dims[0], c.p)) keep.push_back(k ? 1.0f : 0.0f);
    const Tensor keep_tensor = Tensor::from_plain({c.dims[0]}, keep);
    torch.add(c.name, "stochastic_depth", R"({"p": )" + std::to_string(c.p) + R"(, "constant": ["keep"]})",
              {{"x", x_plain}, {"keep", keep_tensor}, {"dy", dy}});
    got.push_back({c.name, y.data().to_plain(), x.grad().to_plain()});
  }
  torch.run();
  for (const auto& g : got) {
    test_support::expect_matches_torch(g.y, torch.result(g.id, "y"), 1e-7, 1e-6, g.id + " y");
    test_support::expect_matches_torch(g.dx, torch.result(g.id, "dx"), 1e-7, 1e-6, g.id + " dx");
  }
}

TEST(StochasticDepth, KeepsAboutOneMinusPOfTheSamples) {
  const Var x(Tensor::full({20000, 1}, 1.0f));
  const float p = 0.2f;
  Rng rng(1);
  const std::vector<float> y = stochastic_depth(x, p, true, rng).data().to_plain();
  double dropped = 0;
  for (float v : y) {
    if (v == 0.0f)
      ++dropped;
    else
      ASSERT_EQ(v, 1.0f / (1.0f - p)) << "kept samples are scaled by 1/(1-p)";
  }
  const double n = static_cast<double>(y.size());
  EXPECT_NEAR(dropped / n, p, 5 * std::sqrt(p * (1 - p) / n));
}

TEST(StochasticDepth, IdentityInEvalModeAndAtPZeroAndZeroAtPOne) {
  Rng data_rng(7);
  const Var x = test_support::random_var({4, 8, 3, 3}, data_rng);
  Rng rng(8);
  const Rng::State before = rng.state();
  EXPECT_EQ(stochastic_depth(x, 0.5f, /*training=*/false, rng).impl(), x.impl());
  EXPECT_EQ(stochastic_depth(x, 0.0f, /*training=*/true, rng).impl(), x.impl());
  EXPECT_EQ(rng.state(), before) << "no random numbers drawn";
  for (float v : stochastic_depth(x, 1.0f, true, rng).data().to_plain()) ASSERT_EQ(v, 0.0f);
}

TEST(StochasticDepth, RejectsProbabilityOutsideUnitInterval) {
  Rng rng(11);
  const Var x = test_support::random_var({2, 3}, rng);
  test_support::expect_error([&] { (void)stochastic_depth(x, 1.5f, true, rng); },
                             "stochastic_depth: probability p must be in [0, 1], got 1.5");
}

}  // namespace
}  // namespace minnow
