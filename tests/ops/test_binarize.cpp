// binarize_weight and binarize_activation against double-precision reference loops (forward
// and the STE backward of ops/binarize.h), finite differences where they mean something, blocked
// layouts against plain ones, and argument errors. PyTorch parity: test_binarize_torch.cpp.
//
// Finite differences cannot see the STE: sign is flat away from 0, so a central difference of the
// forward gives the true derivative, in which the STE term alpha dy_j 1_{|w_j|<=1} is absent. What
// they can check is everything else: for weights kept away from the kinks (0, +-1), the op's dw_j
// minus its STE term must equal the finite difference (the alpha-through-mean(|w|) term, which is
// the exact derivative); for activations the op's dx minus dy 1_{|x|<=1} must equal it (0).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "core/grad_mode.h"
#include "ops/binarize.h"
#include "ops/conv2d.h"
#include "tests/support/errors.h"
#include "tests/support/padding.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

using tag = dnnl::memory::format_tag;
using test_support::in_layout;
using test_support::run_in_layout;

double sign_ref(double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); }

struct WeightRef {
  std::vector<double> y, dw;
  std::vector<double> alpha;
};

// The header's formulas in double, channel = dim 0 of a plain (O, ...) weight.
WeightRef weight_reference(const std::vector<float>& w, const std::vector<float>& dy, int64_t channels) {
  const size_t per = w.size() / static_cast<size_t>(channels);
  WeightRef r{std::vector<double>(w.size()), std::vector<double>(w.size()), {}};
  for (size_t c = 0; c < static_cast<size_t>(channels); ++c) {
    double abs_sum = 0, signed_sum = 0;
    for (size_t k = c * per; k < (c + 1) * per; ++k) {
      abs_sum += std::fabs(w[k]);
      signed_sum += dy[k] * sign_ref(w[k]);
    }
    const double alpha = abs_sum / static_cast<double>(per);
    r.alpha.push_back(alpha);
    for (size_t k = c * per; k < (c + 1) * per; ++k) {
      r.y[k] = alpha * sign_ref(w[k]);
      r.dw[k] = sign_ref(w[k]) * signed_sum / static_cast<double>(per) + (std::fabs(w[k]) <= 1 ? alpha * dy[k] : 0.0);
    }
  }
  return r;
}

// Weights in [-2, 2] with exact zeros and values on the STE window's edges.
Tensor probe_weight(const Dims& dims, Rng& rng) {
  std::vector<float> w = test_support::random_tensor(dims, rng, -2.0f, 2.0f).to_plain();
  const float edges[] = {0.0f, 1.0f, -1.0f};
  for (size_t k = 0; k < w.size(); k += 7) w[k] = edges[(k / 7) % 3];
  return Tensor::from_plain(dims, w);
}

TEST(Binarize, WeightMatchesReference) {
  Rng rng(3);
  for (const Dims& dims : {Dims{6, 4, 3, 3}, Dims{5, 7}, Dims{8, 1, 3, 3}}) {
    const Tensor wt = probe_weight(dims, rng), dy = test_support::random_tensor(dims, rng);
    const Var w(wt, true);
    const Var y = binarize_weight(w);
    y.backward(dy);
    const WeightRef ref = weight_reference(wt.to_plain(), dy.to_plain(), dims[0]);
    const std::string what = dims_str(dims);
    EXPECT_LE(test_support::closeness(y.data().to_plain(), ref.y, 1e-7, 1e-6), 1.0) << what << " y";
    EXPECT_LE(test_support::closeness(w.grad().to_plain(), ref.dw, 1e-6, 1e-5), 1.0) << what << " dw";
    // Every channel's values are exactly {-alpha, 0, +alpha}, zeros where w is 0.
    const std::vector<float> yv = y.data().to_plain(), wv = wt.to_plain();
    const size_t per = wv.size() / static_cast<size_t>(dims[0]);
    for (size_t k = 0; k < wv.size(); ++k)
      ASSERT_EQ(std::fabs(yv[k]), wv[k] == 0 ? 0.0f : static_cast<float>(ref.alpha[k / per])) << what << " at " << k;
  }
}

TEST(Binarize, ActivationMatchesReference) {
  Rng rng(4);
  std::vector<float> xs = test_support::random_tensor({2, 3, 4, 5}, rng, -3.0f, 3.0f).to_plain();
  xs[0] = 0.0f, xs[1] = 1.0f, xs[2] = -1.0f, xs[3] = std::nextafter(1.0f, 2.0f);
  const Tensor xt = Tensor::from_plain({2, 3, 4, 5}, xs), dy = test_support::random_tensor(xt.dims(), rng);
  const Var x(xt, true);
  const Var y = binarize_activation(x);
  y.backward(dy);
  const std::vector<float> yv = y.data().to_plain(), dxv = x.grad().to_plain(), dyv = dy.to_plain();
  for (size_t k = 0; k < xs.size(); ++k) {
    ASSERT_EQ(yv[k], static_cast<float>(sign_ref(xs[k]))) << "x = " << xs[k];
    ASSERT_EQ(dxv[k], std::fabs(xs[k]) <= 1.0f ? dyv[k] : 0.0f) << "x = " << xs[k];
  }
}

// L = sum(y * r) in double, from the op's forward.
double projected(const std::function<Var(const Var&)>& op, const std::vector<float>& x, const Dims& dims,
                 const std::vector<float>& r) {
  NoGrad no_grad;
  const std::vector<float> y = op(Var(Tensor::from_plain(dims, x))).data().to_plain();
  double sum = 0;
  for (size_t k = 0; k < y.size(); ++k) sum += static_cast<double>(y[k]) * r[k];
  return sum;
}

// Values at least 2 eps away from 0 and +-1, so that no difference crosses a kink.
std::vector<float> away_from_kinks(size_t n, Rng& rng, float eps) {
  std::vector<float> v(n);
  rng.fill_uniform(v, 2 * eps, 1 - 2 * eps);
  for (size_t k = 0; k < n; ++k) {
    if (k % 2) v[k] += 1.0f;  // half beyond the STE window
    if (k % 3 == 0) v[k] = -v[k];
  }
  return v;
}

TEST(Binarize, GradientsMinusTheSteAreTheFiniteDifferences) {
  Rng rng(5);
  const float eps = 1e-2f;
  const Dims dims{4, 3, 2, 2};
  const size_t n = 48;
  const std::vector<float> w = away_from_kinks(n, rng, eps), r = test_support::random_tensor(dims, rng).to_plain();
  const Tensor rt = Tensor::from_plain(dims, r);
  const struct {
    const char* name;
    std::function<Var(const Var&)> op;
    std::function<double(size_t, float)> ste;  // the STE's term in dw_k for the value v
  } cases[] = {
      {"weight", [](const Var& x) { return binarize_weight(x); },
       [&](size_t k, float v) {
         double alpha = 0;
         for (size_t j = k / 12 * 12; j < k / 12 * 12 + 12; ++j) alpha += std::fabs(w[j]) / 12.0;
         return std::fabs(v) <= 1 ? alpha * r[k] : 0.0;
       }},
      {"activation", [](const Var& x) { return binarize_activation(x); },
       [&](size_t k, float v) { return std::fabs(v) <= 1 ? static_cast<double>(r[k]) : 0.0; }},
  };
  for (const auto& c : cases) {
    const Var x(Tensor::from_plain(dims, w), true);
    c.op(x).backward(rt);
    const std::vector<float> grad = x.grad().to_plain();
    for (size_t k = 0; k < n; ++k) {
      std::vector<float> plus = w, minus = w;
      plus[k] += eps, minus[k] -= eps;
      const double numeric =
          (projected(c.op, plus, dims, r) - projected(c.op, minus, dims, r)) / (static_cast<double>(plus[k]) - minus[k]);
      EXPECT_NEAR(grad[k] - c.ste(k, w[k]), numeric, 2e-4) << c.name << " element " << k << " (value " << w[k] << ")";
    }
  }
}

// The layouts conv2d gives a leaf weight: normal, grouped and depthwise (5-D, blocked).
TEST(Binarize, ConvWeightLayoutsMatchPlain) {
  Rng rng(6);
  for (const int64_t groups : {1, 3, 24}) {
    const int64_t out = groups == 24 ? 24 : 48;
    const Tensor plain = probe_weight({out, 24 / groups, 3, 3}, rng);
    const Tensor dy = test_support::random_tensor(plain.dims(), rng);
    const Var w(plain.clone(), true);
    (void)conv2d(test_support::random_var({2, 24, 9, 9}, rng), w, Var(), {.padding = 1, .groups = groups});
    const Tensor blocked = w.data();
    ASSERT_FALSE(blocked.is_plain()) << "groups " << groups << ": conv2d kept the weight plain";
    const auto op = [](const Var& x) { return binarize_weight(x); };
    const auto got = run_in_layout(op, blocked, dy.reshape(blocked.dims()));
    const auto want = run_in_layout(op, plain, dy);
    EXPECT_EQ(got.first, want.first) << "groups " << groups << " y";
    EXPECT_EQ(got.second, want.second) << "groups " << groups << " dw";
  }
}

TEST(Binarize, BlockedActivationsMatchPlain) {
  Rng rng(7);
  const Tensor xt = test_support::random_tensor({2, 20, 5, 5}, rng, -2.0f, 2.0f);
  const Tensor dy = test_support::random_tensor(xt.dims(), rng);
  const auto op = [](const Var& x) { return binarize_activation(x); };
  const auto want = run_in_layout(op, xt, dy);
  for (const tag t : {tag::nChw16c, tag::nhwc}) {
    const auto got = run_in_layout(op, in_layout(xt, t), dy);
    EXPECT_EQ(got.first, want.first) << "y";
    EXPECT_EQ(got.second, want.second) << "dx";
  }
}

TEST(Binarize, RejectsBadArguments) {
  test_support::expect_error([] { (void)binarize_weight(Var(Tensor::full({2, 3, 4}, 1.0f))); },
                             {"binarize_weight: expected a weight (O, I), (O, I/g, kH, kW)", "got dims [2, 3, 4]"});
  test_support::expect_error([] { (void)binarize_activation(Var(Tensor::zeros({2, 3}, DType::s32))); },
                             {"binarize_activation: expected an f32 input", "got s32"});
  test_support::expect_error([] { (void)binarize_weight(Var()); }, "binarize_weight: input is an undefined Var");
}

}  // namespace
}  // namespace minnow
