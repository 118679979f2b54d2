// dropout against a reference loop that redraws the mask from the same seed (forward and
// backward), finite differences at a fixed mask, and statistics in place of PyTorch parity
// (PyTorch's RNG differs): mask fraction close to p, E[y] = x, same seed same mask.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/reorder.h"
#include "ops/dropout.h"
#include "tests/support/errors.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

struct DropoutCase {
  const char* name;
  Dims dims;
  float p;
  bool blocked;  // nChw16c input
};

void PrintTo(const DropoutCase& c, std::ostream* out) { *out << c.name; }

const DropoutCase kCases[] = {
    {"plain_p03", {3, 20, 7, 13}, 0.3f, false},
    {"plain_p05_batch1", {1, 3, 13, 13}, 0.5f, false},
    {"blocked_24_p02", {3, 24, 7, 7}, 0.2f, true},
    {"rows_2d_p09", {3, 1024}, 0.9f, false},
};

Var dropout_input(const DropoutCase& t, Rng& rng) {
  const Tensor x = test_support::random_tensor(t.dims, rng);
  return Var(t.blocked ? x.to_layout(dnnl::memory::desc(t.dims, dt::f32, dnnl::memory::format_tag::nChw16c)) : x, true);
}

class DropoutTest : public ::testing::TestWithParam<DropoutCase> {};

// keep_i = (u_i >= p) for the i-th uniform of the seed, over the physical buffer;
// y_i = keep_i x_i / (1 - p), dx_i = keep_i dy_i / (1 - p).
TEST_P(DropoutTest, MatchesReferenceWithTheSameSeed) {
  const DropoutCase t = GetParam();
  Rng data_rng(41);
  const Var x = dropout_input(t, data_rng);
  const Tensor dy = test_support::random_tensor(t.dims, data_rng).to_layout(x.data().desc());
  Rng rng(77);
  const uint64_t reorders = reorder_count();
  const Var y = dropout(x, t.p, /*training=*/true, rng);
  y.backward(dy);
  EXPECT_EQ(reorder_count(), reorders);
  ASSERT_TRUE(y.data().desc() == x.data().desc()) << "output not in the input's layout";
  ASSERT_TRUE(x.grad().desc() == x.data().desc()) << "gradient not in the input's layout";

  Rng ref_rng(77);
  const auto xs = x.data().f32_buffer(), ys = y.data().f32_buffer(), dys = dy.f32_buffer(), dxs = x.grad().f32_buffer();
  const double scale = 1.0 / (1.0 - static_cast<double>(t.p));
  for (size_t i = 0; i < xs.size(); ++i) {
    const bool keep = ref_rng.uniform() >= t.p;
    ASSERT_NEAR(ys[i], keep ? xs[i] * scale : 0.0, 1e-6 * std::abs(xs[i] * scale)) << "y element " << i;
    ASSERT_NEAR(dxs[i], keep ? dys[i] * scale : 0.0, 1e-6 * std::abs(dys[i] * scale)) << "dx element " << i;
  }
  EXPECT_EQ(rng.state(), ref_rng.state()) << "one uniform per element";
}

TEST_P(DropoutTest, MatchesFiniteDifferencesAtAFixedMask) {
  const DropoutCase t = GetParam();
  Rng rng(8);
  test_support::expect_gradcheck(
      [&](const std::vector<Var>& v) {
        Rng mask_rng(5);
        return dropout(v[0], t.p, true, mask_rng);
      },
      {test_support::random_tensor(t.dims, rng)});
}

INSTANTIATE_TEST_SUITE_P(Shapes, DropoutTest, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Dropout, MaskFractionIsCloseToP) {
  const Dims dims{10, 20, 25, 40};  // 200000 elements
  const Var x(Tensor::full(dims, 1.0f));
  for (float p : {0.1f, 0.5f, 0.8f}) {
    Rng rng(1);
    const std::vector<float> y = dropout(x, p, true, rng).data().to_plain();
    double dropped = 0;
    for (float v : y) {
      if (v == 0.0f)
        ++dropped;
      else
        ASSERT_EQ(v, 1.0f / (1.0f - p)) << "survivors are scaled by 1/(1-p)";
    }
    const double n = static_cast<double>(y.size());
    EXPECT_NEAR(dropped / n, p, 5 * std::sqrt(p * (1 - p) / n)) << "p " << p;
  }
}

TEST(Dropout, ExpectationEqualsInput) {
  Rng data_rng(2);
  const Var x = test_support::random_var({1, 3, 7, 7}, data_rng, false);
  const std::vector<float> xv = x.data().to_plain();
  const float p = 0.3f;
  const int draws = 2000;
  std::vector<double> mean(xv.size(), 0.0);
  Rng rng(3);
  for (int d = 0; d < draws; ++d) {
    const std::vector<float> y = dropout(x, p, true, rng).data().to_plain();
    for (size_t i = 0; i < y.size(); ++i) mean[i] += y[i] / static_cast<double>(draws);
  }
  // Var(y_i) = x_i^2 p / (1 - p); allow five standard errors.
  for (size_t i = 0; i < xv.size(); ++i)
    EXPECT_NEAR(mean[i], xv[i], 5 * std::abs(xv[i]) * std::sqrt(p / (1 - p) / draws) + 1e-6) << "element " << i;
}

TEST(Dropout, SameSeedGivesTheSameResult) {
  Rng data_rng(4);
  const Var x = test_support::random_var({3, 20, 7, 13}, data_rng, false);
  Rng a(42), b(42), c(43);
  const auto ya = dropout(x, 0.4f, true, a).data().to_plain();
  EXPECT_EQ(ya, dropout(x, 0.4f, true, b).data().to_plain());
  EXPECT_NE(ya, dropout(x, 0.4f, true, c).data().to_plain());
}

TEST(Dropout, BackwardIsDyTimesMaskOverKeep) {
  Rng data_rng(5);
  const Var x = test_support::random_var({3, 24, 7, 13}, data_rng);
  const Tensor dy = test_support::random_tensor(x.dims(), data_rng);
  const float p = 0.25f;
  Rng rng(6);
  const Var y = dropout(x, p, true, rng);
  y.backward(dy);
  const auto yv = y.data().to_plain(), dyv = dy.to_plain(), dxv = x.grad().to_plain();
  for (size_t i = 0; i < dxv.size(); ++i)
    ASSERT_EQ(dxv[i], yv[i] != 0.0f ? dyv[i] * (1.0f / (1.0f - p)) : 0.0f) << "element " << i;
}

TEST(Dropout, IdentityInEvalModeAndAtPZero) {
  Rng data_rng(7);
  const Var x = test_support::random_var({2, 8, 7, 7}, data_rng);
  Rng rng(8);
  const Rng::State before = rng.state();
  EXPECT_EQ(dropout(x, 0.5f, /*training=*/false, rng).impl(), x.impl());
  EXPECT_EQ(dropout(x, 0.0f, /*training=*/true, rng).impl(), x.impl());
  EXPECT_EQ(rng.state(), before) << "no random numbers drawn";
}

TEST(Dropout, PEqualOneDropsEverything) {
  Rng data_rng(9);
  const Var x = test_support::random_var({2, 8, 7, 7}, data_rng);
  Rng rng(10);
  const Var y = dropout(x, 1.0f, true, rng);
  y.backward(Tensor::full(x.dims(), 1.0f));
  for (float v : y.data().to_plain()) ASSERT_EQ(v, 0.0f);
  for (float v : x.grad().to_plain()) ASSERT_EQ(v, 0.0f);
}

TEST(Dropout, RejectsProbabilityOutsideUnitInterval) {
  Rng rng(11);
  const Var x = test_support::random_var({2, 3}, rng);
  test_support::expect_error([&] { (void)dropout(x, 1.5f, true, rng); },
                             "dropout: probability p must be in [0, 1], got 1.5");
  EXPECT_THROW((void)dropout(x, -0.1f, true, rng), Error);
}

}  // namespace
}  // namespace minnow
