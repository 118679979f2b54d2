// conv2d with Conv2dOptions::winograd against the direct conv: inference forwards agree to
// 1e-5 of the output's largest magnitude on shapes Winograd takes (with bias, post-op, channel counts off the vector
// width), repeat calls reuse the adopted weight, and shapes it does not take and forwards
// that record for backward run the direct kernel exactly.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/grad_mode.h"
#include "ops/conv2d.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

using test_support::random_tensor;

struct WinogradCase {
  Dims x;
  int64_t out;
  bool bias;
  ConvPostOp post;
};

// max |got - want| over max |want|: Winograd's rounding error scales with the output's range,
// not with each element.
double error_over_largest(const std::vector<float>& got, const std::vector<float>& want) {
  EXPECT_EQ(got.size(), want.size());
  double worst = 0, largest = 0;
  for (size_t i = 0; i < std::min(got.size(), want.size()); ++i) {
    worst = std::max(worst, static_cast<double>(std::abs(got[i] - want[i])));
    largest = std::max(largest, static_cast<double>(std::abs(want[i])));
  }
  EXPECT_GT(largest, 0.0);
  return worst / largest;
}

std::vector<float> run(const Tensor& x, const Tensor& w, const Tensor& b, Conv2dOptions opt) {
  const NoGrad no_grad;
  return conv2d(Var(x), Var(w), b.defined() ? Var(b) : Var(), opt).data().to_plain();
}

TEST(Conv2dWinograd, InferenceMatchesTheDirectConv) {
  const WinogradCase cases[] = {
      {{1, 64, 56, 56}, 64, false, {}},
      {{2, 16, 28, 28}, 32, true, {}},
      {{1, 128, 14, 14}, 128, true, {dnnl::algorithm::eltwise_relu}},
      {{1, 3, 32, 32}, 16, true, {}},
      {{1, 24, 10, 10}, 40, false, {dnnl::algorithm::eltwise_relu}},
  };
  Rng rng(1);
  for (const WinogradCase& c : cases) {
    const Tensor x = random_tensor(c.x, rng), w = random_tensor({c.out, c.x[1], 3, 3}, rng);
    const Tensor b = c.bias ? random_tensor({c.out}, rng) : Tensor();
    const Conv2dOptions direct{.padding = 1, .post = c.post};
    Conv2dOptions winograd = direct;
    winograd.winograd = true;
    const std::vector<float> want = run(x, w, b, direct);
    // One weight parameter for both calls: the first moves it into Winograd's layout, the second reuses it.
    const Var w_param(w.clone(), true);
    for (int call = 0; call < 2; ++call) {
      const NoGrad no_grad;
      const std::vector<float> got =
          conv2d(Var(x), w_param, c.bias ? Var(b) : Var(), winograd).data().to_plain();
      EXPECT_LE(error_over_largest(got, want), 1e-5) << dims_str(c.x) << " -> " << c.out << ", call " << call;
    }
  }
}

TEST(Conv2dWinograd, OtherShapesAndRecordingForwardsRunDirect) {
  Rng rng(2);
  const Tensor x = random_tensor({2, 16, 12, 12}, rng), w = random_tensor({32, 16, 3, 3}, rng);
  const Conv2dOptions strided{.stride = 2, .padding = 1};
  Conv2dOptions strided_winograd = strided;
  strided_winograd.winograd = true;
  EXPECT_EQ(run(x, w, Tensor(), strided_winograd), run(x, w, Tensor(), strided));

  const Conv2dOptions direct{.padding = 1};
  Conv2dOptions winograd = direct;
  winograd.winograd = true;
  const Var xr(x, true);  // records for backward: the training forward, direct
  const Var w1(w.clone(), true), w2(w.clone(), true);
  EXPECT_EQ(conv2d(xr, w1, Var(), winograd).data().to_plain(), conv2d(xr, w2, Var(), direct).data().to_plain());
}

}  // namespace
}  // namespace minnow
