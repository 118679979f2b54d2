// The distillation loss: its value against the formula in doubles, its gradient by finite
// differences, parity with PyTorch (F.kl_div on log-softmax, batchmean, times T^2, mixed with
// F.cross_entropy), the T^2 factor keeping the soft gradient's size as T grows, and the
// teacher getting no gradient. Also weighted_sum, the op that mixes the terms.
#include <gtest/gtest.h>

#include <cmath>

#include "ops/losses.h"
#include "tests/support/errors.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"
#include "train/distill_loss.h"

namespace minnow {
namespace {

using test_support::closeness;

constexpr double kAtol = 1e-6, kRtol = 1e-5;

std::vector<int32_t> labels_for(int64_t n, int64_t k) {
  std::vector<int32_t> labels;
  for (int64_t i = 0; i < n; ++i) labels.push_back(static_cast<int32_t>((i * 3 + 1) % k));
  return labels;
}

std::vector<double> log_softmax_row(const float* z, int64_t k, double temp) {
  double m = -INFINITY, sum = 0;
  for (int64_t j = 0; j < k; ++j) m = std::max(m, z[j] / temp);
  for (int64_t j = 0; j < k; ++j) sum += std::exp(z[j] / temp - m);
  std::vector<double> out;
  for (int64_t j = 0; j < k; ++j) out.push_back(z[j] / temp - m - std::log(sum));
  return out;
}

struct Terms {
  double soft = 0, hard = 0;
};

// soft = T^2 / N sum_i sum_k pt (log pt - log ps); hard = -1/N sum_i sum_k q_k log p_k.
Terms reference_terms(const std::vector<float>& s, const std::vector<float>& t, const std::vector<int32_t>& labels,
                      int64_t k, double temp, double eps) {
  Terms r;
  const auto n = static_cast<int64_t>(labels.size());
  for (int64_t i = 0; i < n; ++i) {
    const auto log_ps = log_softmax_row(&s[static_cast<size_t>(i * k)], k, temp);
    const auto log_pt = log_softmax_row(&t[static_cast<size_t>(i * k)], k, temp);
    const auto log_p = log_softmax_row(&s[static_cast<size_t>(i * k)], k, 1.0);
    for (size_t j = 0; j < static_cast<size_t>(k); ++j) {
      r.soft += temp * temp * std::exp(log_pt[j]) * (log_pt[j] - log_ps[j]) / static_cast<double>(n);
      const double q = (1 - eps) * (static_cast<int32_t>(j) == labels[static_cast<size_t>(i)]) + eps / k;
      r.hard -= q * log_p[j] / static_cast<double>(n);
    }
  }
  return r;
}

struct LossCase {
  const char* name;
  int64_t n, k;
  double temperature, alpha, smoothing;
};

void PrintTo(const LossCase& c, std::ostream* out) { *out << c.name; }

const LossCase kCases[] = {
    {"t4_a09", 6, 10, 4.0, 0.9, 0.0},
    {"t1_a05_smoothed", 4, 7, 1.0, 0.5, 0.1},
    {"t8_a1_soft_only", 3, 10, 8.0, 1.0, 0.0},
    {"t2_a0_hard_only", 5, 12, 2.0, 0.0, 0.2},
};

DistillLossOptions options_of(const LossCase& c, double beta = 1.0) {
  return {.temperature = c.temperature, .alpha = c.alpha, .beta = beta, .label_smoothing = c.smoothing};
}

class DistillLossTest : public ::testing::TestWithParam<LossCase> {};

TEST_P(DistillLossTest, ValueMatchesTheFormula) {
  const LossCase c = GetParam();
  Rng rng(81);
  const Var s = test_support::random_var({c.n, c.k}, rng, true, -4, 4);
  const Var t = test_support::random_var({c.n, c.k}, rng, false, -4, 4);
  const Var fa = test_support::random_var({2, 3, 4, 4}, rng), fb = test_support::random_var({2, 3, 4, 4}, rng);
  const Var feature = mse_loss(fa, fb);
  const auto labels = labels_for(c.n, c.k);
  const DistillLoss l = distillation_loss(s, t, labels, options_of(c, 0.3), {feature, feature});
  const Terms r = reference_terms(s.data().to_plain(), t.data().to_plain(), labels, c.k, c.temperature, c.smoothing);
  const double f = feature.data().to_plain()[0];
  EXPECT_LE(closeness({static_cast<float>(l.soft)}, std::vector<double>{r.soft}, kAtol, kRtol), 1.0);
  EXPECT_LE(closeness({static_cast<float>(l.hard)}, std::vector<double>{r.hard}, kAtol, kRtol), 1.0);
  EXPECT_NEAR(l.feature, 2 * f, 1e-6 * (1 + f));
  const double expected = c.alpha * r.soft + (1 - c.alpha) * r.hard + 0.3 * 2 * f;
  EXPECT_LE(closeness(l.total.data().to_plain(), std::vector<double>{expected}, kAtol, kRtol), 1.0);
}

TEST_P(DistillLossTest, GradientMatchesFiniteDifferencesAndSparesTheTeacher) {
  const LossCase c = GetParam();
  Rng rng(82);
  const auto labels = labels_for(c.n, c.k);
  const std::vector<Tensor> inputs{test_support::random_tensor({c.n, c.k}, rng, -3, 3),
                                   test_support::random_tensor({c.n, c.k}, rng, -3, 3),
                                   test_support::random_tensor({2, 3, 3, 3}, rng),
                                   test_support::random_tensor({2, 3, 3, 3}, rng)};
  const auto loss = [&](const std::vector<Var>& v) {
    return distillation_loss(v[0], v[1], labels, options_of(c, 0.7), {mse_loss(v[2], v[3])}).total;
  };
  // The teacher's logits are a constant of the loss: its finite differences are not its gradient.
  test_support::expect_gradcheck(loss, inputs, {.check_input = {true, false, true, false}});

  std::vector<Var> vars;
  for (const Tensor& x : inputs) vars.emplace_back(x, true);
  loss(vars).backward();
  EXPECT_TRUE(vars[0].grad().defined());
  EXPECT_FALSE(vars[1].grad().defined()) << "the teacher's logits got a gradient";
}

INSTANTIATE_TEST_SUITE_P(Cases, DistillLossTest, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(DistillLoss, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, soft, hard, ds;
  };
  std::vector<Got> got;
  for (const auto& c : kCases) {
    Rng rng(830 + got.size());
    const Var s = test_support::random_var({c.n, c.k}, rng, true, -4, 4);
    const Var t = test_support::random_var({c.n, c.k}, rng, false, -4, 4);
    const auto labels = labels_for(c.n, c.k);
    const DistillLoss l = distillation_loss(s, t, labels, options_of(c));
    l.total.backward();
    const std::vector<float> label_values(labels.begin(), labels.end());
    torch.add(c.name, "distillation_loss",
              R"({"temperature":)" + std::to_string(c.temperature) + R"(,"alpha":)" + std::to_string(c.alpha) +
                  R"(,"label_smoothing":)" + std::to_string(c.smoothing) + R"(,"constant":["t"]})",
              {{"s", s.data()},
               {"t", t.data()},
               {"labels", Tensor::from_plain({c.n}, label_values, DType::s32)},
               {"dy", Tensor::full({1}, 1.0f)}});
    got.push_back({c.name, l.total.data().to_plain(), {static_cast<float>(l.soft)}, {static_cast<float>(l.hard)},
                   s.grad().to_plain()});
  }
  torch.run();
  for (const auto& g : got) {
    test_support::expect_matches_torch(g.y, torch.result(g.id, "y"), kAtol, kRtol, g.id + " total");
    test_support::expect_matches_torch(g.soft, torch.result(g.id, "soft"), kAtol, kRtol, g.id + " soft");
    test_support::expect_matches_torch(g.hard, torch.result(g.id, "hard"), kAtol, kRtol, g.id + " hard");
    test_support::expect_matches_torch(g.ds, torch.result(g.id, "ds"), kAtol, kRtol, g.id + " d student");
  }
}

double norm(const std::vector<float>& v) {
  double sum = 0;
  for (float x : v) sum += static_cast<double>(x) * x;
  return std::sqrt(sum);
}

// As T grows, ds = T / N (softmax(s / T) - softmax(t / T)) tends to (d - mean_k d) / (N K) with
// d = s - t: the T^2 factor keeps the soft gradient's size. Without it the size falls as 1 / T^2.
TEST(DistillLoss, TemperatureSquaredKeepsTheSoftGradientSize) {
  constexpr int64_t n = 8, k = 10;
  Rng rng(84);
  const Tensor s = test_support::random_tensor({n, k}, rng, -2, 2);
  const Tensor t = test_support::random_tensor({n, k}, rng, -2, 2);
  const auto sv = s.to_plain(), tv = t.to_plain();
  auto d = [&](int64_t i, int64_t j) {
    const auto ij = static_cast<size_t>(i * k + j);
    return static_cast<double>(sv[ij]) - tv[ij];
  };
  std::vector<float> limit;
  for (int64_t i = 0; i < n; ++i) {
    double mean = 0;
    for (int64_t j = 0; j < k; ++j) mean += d(i, j) / k;
    for (int64_t j = 0; j < k; ++j) limit.push_back(static_cast<float>((d(i, j) - mean) / static_cast<double>(n * k)));
  }
  const double limit_norm = norm(limit);
  std::vector<double> scaled, unscaled;
  for (double temp : {2.0, 4.0, 8.0, 16.0, 32.0}) {
    const Var student(s.clone(), true);
    distillation_loss(student, Var(t), labels_for(n, k), {.temperature = temp, .alpha = 1.0}).total.backward();
    scaled.push_back(norm(student.grad().to_plain()));
    unscaled.push_back(scaled.back() / (temp * temp));
    EXPECT_NEAR(scaled.back() / limit_norm, 1.0, 0.25) << "T = " << temp;
  }
  EXPECT_NEAR(scaled.back() / limit_norm, 1.0, 0.01) << "at T = 32 the gradient should be close to its limit";
  EXPECT_LT(unscaled.back() / unscaled.front(), 0.01) << "without T^2 the gradient would vanish as T grows";
}

TEST(WeightedSum, ValueAndGradientsAreTheWeights) {
  Rng rng(85);
  const Var a = mse_loss(test_support::random_var({2, 3}, rng), test_support::random_var({2, 3}, rng, false));
  const Var b(Tensor::full({1}, 2.5f), true);
  const Var y = weighted_sum({a, b}, {0.25, -3.0});
  EXPECT_NEAR(y.data().to_plain()[0], 0.25 * a.data().to_plain()[0] - 7.5, 1e-6);
  y.backward(Tensor::full({1}, 2.0f));
  EXPECT_FLOAT_EQ(b.grad().to_plain()[0], -6.0f);
  test_support::expect_gradcheck([](const std::vector<Var>& v) { return weighted_sum({v[0], v[1]}, {0.5, 2.0}); },
                                 {test_support::random_tensor({1}, rng), test_support::random_tensor({1}, rng)});
  test_support::expect_error([&] { (void)weighted_sum({a, b}, {1.0}); },
                             "weighted_sum: expected as many weights as losses (2), got 1");
  test_support::expect_error([&] { (void)weighted_sum({test_support::random_var({2}, rng)}, {1.0}); },
                             "weighted_sum: loss 0 has dims [2], expected [1]");
}

}  // namespace
}  // namespace minnow
