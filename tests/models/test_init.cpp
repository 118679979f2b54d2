// The truncated-normal initialiser (torch.nn.init.trunc_normal_, GoogLeNet's scheme): every
// value inside [a, b], and the sample's mean, variance and central mass equal the truncated
// normal's closed forms (a clamp or an untruncated draw fails them); bad arguments refused.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>

#include "core/error.h"
#include "models/init.h"

namespace minnow {
namespace {

double pdf(double t) { return std::exp(-0.5 * t * t) / std::sqrt(2.0 * std::numbers::pi); }
double cdf(double t) { return 0.5 * std::erfc(-t / std::numbers::sqrt2); }

TEST(InitTruncNormal, SampleFollowsTheTruncatedNormal) {
  const double mean = 0.5, stddev = 2.0, a = -1.5, b = 3.5;  // alpha -1, beta 1.5
  const int64_t n = 200000;
  manual_seed(3);
  const Var v(Tensor::zeros(Dims{n}));
  init_trunc_normal(v, mean, stddev, a, b);
  const std::vector<float> values = v.data().to_plain();

  const double alpha = (a - mean) / stddev, beta = (b - mean) / stddev, z = cdf(beta) - cdf(alpha);
  const double shift = (pdf(alpha) - pdf(beta)) / z;
  const double expected_mean = mean + stddev * shift;
  const double expected_var = stddev * stddev * (1.0 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - shift * shift);
  const double expected_central = (cdf(0.5 / stddev) - cdf(-0.5 / stddev)) / z;  // mass of [mean +- 0.5]

  double sum = 0, sum_sq = 0;
  int64_t central = 0;
  for (const float x : values) {
    ASSERT_GE(x, a);
    ASSERT_LE(x, b);
    sum += x;
    sum_sq += static_cast<double>(x) * x;
    central += std::abs(x - mean) <= 0.5;
  }
  const double sample_mean = sum / n, sample_var = sum_sq / n - sample_mean * sample_mean;
  // Five standard errors: the mean's sqrt(var / n); the variance's about var sqrt(2 / n)
  // (less for a truncated normal); the central fraction's sqrt(p (1 - p) / n).
  EXPECT_NEAR(sample_mean, expected_mean, 5.0 * std::sqrt(expected_var / n));
  EXPECT_NEAR(sample_var, expected_var, 5.0 * expected_var * std::sqrt(2.0 / n));
  const double p = expected_central;
  EXPECT_NEAR(static_cast<double>(central) / n, p, 5.0 * std::sqrt(p * (1 - p) / n));
  // The truncation matters here: the untruncated normal's mean and variance are far off.
  EXPECT_GT(std::abs(expected_mean - mean), 20.0 * std::sqrt(expected_var / n));
  EXPECT_GT(std::abs(expected_var - stddev * stddev), 20.0 * expected_var * std::sqrt(2.0 / n));
}

TEST(InitTruncNormal, RejectsBadArguments) {
  const Var v(Tensor::zeros(Dims{4}));
  EXPECT_THROW(init_trunc_normal(v, 0.0f, 0.0f, -2.0f, 2.0f), Error);  // stddev 0
  EXPECT_THROW(init_trunc_normal(v, 0.0f, 1.0f, 2.0f, -2.0f), Error);  // a > b
  EXPECT_THROW(init_trunc_normal(v, 0.0f, 0.01f, 1.0f, 2.0f), Error);  // no mass in [a, b]
}

}  // namespace
}  // namespace minnow
