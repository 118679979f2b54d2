// Quantization-parameter math: integer ranges, scale and zero point against
// torch.ao.quantization's MinMaxObserver / PerChannelMinMaxObserver (bitwise), the moving
// average against MovingAverageMinMaxObserver, and min/max in blocked layouts with padding.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <sstream>

#include "core/error.h"
#include "ops/conv2d.h"
#include "ops/quant_params.h"
#include "tests/support/fake_quant_reference.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using tag = dnnl::memory::format_tag;

TEST(QuantParams, RangeForBits) {
  const auto expect_range = [](int bits, bool is_signed, int64_t qmin, int64_t qmax) {
    const QuantRange r = quant_range(bits, is_signed);
    EXPECT_EQ(r.qmin, qmin) << bits << (is_signed ? " signed" : " unsigned");
    EXPECT_EQ(r.qmax, qmax) << bits << (is_signed ? " signed" : " unsigned");
  };
  expect_range(8, false, 0, 255);
  expect_range(8, true, -128, 127);
  expect_range(4, false, 0, 15);
  expect_range(4, true, -8, 7);
  expect_range(2, true, -2, 1);
  EXPECT_THROW(quant_range(1, true), Error);
  EXPECT_THROW(quant_range(9, false), Error);
}

TEST(QuantParams, RejectsAnEmptyOrInvertedRange) {
  try {
    (void)quant_params(MinMax{}, quant_range(8, false), QScheme::affine);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("quant_params: expected a finite observed range"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(quant_params({1.0f, -1.0f}, quant_range(8, false), QScheme::affine), Error);
}

TEST(QuantParams, EmaStartsFromTheFirstObservation) {
  const MinMax first = ema_update(MinMax{}, {-1.0f, 3.0f}, 0.25f);
  EXPECT_EQ(first.min, -1.0f);
  EXPECT_EQ(first.max, 3.0f);
  const MinMax second = ema_update(first, {-5.0f, 7.0f}, 0.25f);
  EXPECT_EQ(second.min, -2.0f);
  EXPECT_EQ(second.max, 4.0f);
}

// Data sets: mixed signs, all positive, all negative, a tiny range (scale = eps) and zeros.
std::vector<float> observed_values(int kind, int64_t n, Rng& rng) {
  const float ranges[][2] = {{-1.3f, 2.7f}, {0.5f, 3.0f}, {-4.0f, -0.25f}, {-1e-9f, 2e-9f}, {0.0f, 0.0f}};
  std::vector<float> v(static_cast<size_t>(n));
  rng.fill_uniform(v, ranges[kind][0], ranges[kind][1]);
  return v;
}

// A weight (8, 3, 3, 3) whose channels cover every data set kind.
Tensor channel_weight(Rng& rng) {
  std::vector<float> w;
  for (int c = 0; c < 8; ++c) {
    const auto part = observed_values(c % 5, 27, rng);
    w.insert(w.end(), part.begin(), part.end());
  }
  return Tensor::from_plain({8, 3, 3, 3}, w);
}

const char* json(bool value) { return value ? "true" : "false"; }

std::string observer_args(bool per_channel, bool symmetric, QuantRange r) {
  std::ostringstream args;
  args << R"({"per_channel":)" << json(per_channel) << R"(,"symmetric":)" << json(symmetric) << R"(,"signed":)"
       << json(r.qmin < 0) << R"(,"qmin":)" << r.qmin << R"(,"qmax":)" << r.qmax << R"(,"constant":["x"]})";
  return args.str();
}

TEST(QuantParams, MatchTorchObservers) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> scale, zero_point, min, max;
  };
  std::vector<Got> got;
  Rng rng(11);
  for (const int bits : {4, 8}) {
    for (const bool is_signed : {false, true}) {
      const QuantRange r = quant_range(bits, is_signed);
      for (const QScheme scheme : {QScheme::affine, QScheme::symmetric}) {
        const bool symmetric = scheme == QScheme::symmetric;
        for (int kind = 0; kind < 5; ++kind) {
          // Activations (2, 24, 5, 5), observed by minnow in nChw16c (8 padded channels).
          const Tensor x = Tensor::from_plain({2, 24, 5, 5}, observed_values(kind, 1200, rng));
          const MinMax m = tensor_min_max(x.to_layout(dnnl::memory::desc(x.dims(), dt::f32, tag::nChw16c)));
          const QuantParams p = quant_params(m, r, scheme);
          const std::string id = "tensor_" + std::to_string(got.size());
          torch.add(id, "observer_qparams", observer_args(false, symmetric, r), {{"x", x}});
          got.push_back({id, {p.scale}, {static_cast<float>(p.zero_point)}, {m.min}, {m.max}});
        }
        const Tensor w = channel_weight(rng);
        const std::vector<MinMax> ranges = channel_min_max(w);
        const ChannelQuantParams p = channel_quant_params(ranges, r, scheme);
        Got g{"channel_" + std::to_string(got.size()), p.scales.to_plain(), p.zero_points.to_plain(), {}, {}};
        for (const MinMax& m : ranges) {
          g.min.push_back(m.min);
          g.max.push_back(m.max);
        }
        torch.add(g.id, "observer_qparams", observer_args(true, symmetric, r), {{"x", w}});
        got.push_back(g);
      }
    }
  }
  torch.run();
  for (const auto& g : got) {
    test_support::expect_exact(g.min, torch.result(g.id, "min"), g.id + " min");
    test_support::expect_exact(g.max, torch.result(g.id, "max"), g.id + " max");
    test_support::expect_exact(g.scale, torch.result(g.id, "scale"), g.id + " scale");
    test_support::expect_exact(g.zero_point, torch.result(g.id, "zero_point"), g.id + " zero point");
  }
}

TEST(QuantParams, EmaMatchesTorchMovingAverage) {
  Rng rng(5);
  const int64_t batches = 6, n = 50;
  std::vector<float> values;
  std::vector<float> mins, maxs;
  MinMax running;
  for (int64_t b = 0; b < batches; ++b) {
    std::vector<float> batch(static_cast<size_t>(n));
    rng.fill_uniform(batch, -1.0f - 0.3f * static_cast<float>(b), 2.0f + 0.7f * static_cast<float>(b));
    values.insert(values.end(), batch.begin(), batch.end());
    running = ema_update(running, tensor_min_max(Tensor::from_plain({n}, batch)), 0.01f);
    mins.push_back(running.min);
    maxs.push_back(running.max);
  }
  test_support::TorchParity torch;
  torch.add("ema", "moving_average_min_max", R"({"momentum":0.01,"constant":["x"]})",
            {{"x", Tensor::from_plain({batches, n}, values)}});
  torch.run();
  test_support::expect_exact(mins, torch.result("ema", "min"), "running min");
  test_support::expect_exact(maxs, torch.result("ema", "max"), "running max");
}

TEST(QuantParams, MinMaxIgnoresLayoutPadding) {
  Rng rng(8);
  for (const float sign : {1.0f, -1.0f}) {
    // All values on one side of 0: a padding zero that counted would move min or max to 0.
    const Tensor plain = test_support::random_tensor({3, 24, 5, 7}, rng, 0.5f * sign, 2.0f * sign);
    const MinMax want = tensor_min_max(plain);
    EXPECT_NE(want.min * want.max, 0.0f);
    for (const tag t : {tag::nChw16c, tag::nhwc, tag::nChw8c}) {
      const MinMax m = tensor_min_max(plain.to_layout(dnnl::memory::desc(plain.dims(), dt::f32, t)));
      EXPECT_EQ(m.min, want.min) << static_cast<int>(t);
      EXPECT_EQ(m.max, want.max) << static_cast<int>(t);
    }
  }
}

// The weight layouts conv2d gives a leaf weight: normal (OIhw..i..o), depthwise and grouped (5-D).
TEST(QuantParams, ChannelMinMaxInConvWeightLayouts) {
  Rng rng(9);
  for (const int64_t groups : {1, 3, 24}) {
    const int64_t out = groups == 24 ? 24 : 48;
    const Tensor plain = test_support::random_tensor({out, 24 / groups, 3, 3}, rng, 0.25f, 1.0f);
    const Var w(plain.clone(), true);
    (void)conv2d(test_support::random_var({2, 24, 9, 9}, rng), w, Var(), {.padding = 1, .groups = groups});
    ASSERT_FALSE(w.data().is_plain()) << "groups " << groups << ": conv2d kept the weight plain";
    const std::vector<MinMax> want = channel_min_max(plain), ranges = channel_min_max(w.data());
    ASSERT_EQ(ranges.size(), want.size()) << "groups " << groups;
    for (size_t c = 0; c < want.size(); ++c) {
      EXPECT_EQ(ranges[c].min, want[c].min) << "groups " << groups << " channel " << c;
      EXPECT_EQ(ranges[c].max, want[c].max) << "groups " << groups << " channel " << c;
    }
    EXPECT_GT(want[0].min, 0.0f);
  }
}

}  // namespace
}  // namespace minnow
