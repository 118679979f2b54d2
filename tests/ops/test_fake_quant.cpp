// fake_quant ops against a double-precision reference (bitwise, exact .5 ties and values
// beyond the range included), finite differences away from the kinks, the reorder and tape
// discipline, and argument errors. PyTorch and blocked layouts: test_fake_quant_torch.cpp.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

#include "core/allocator.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "core/reorder.h"
#include "core/tape.h"
#include "ops/binary.h"
#include "ops/eltwise.h"
#include "ops/fake_quant.h"
#include "tests/support/fake_quant_reference.h"
#include "tests/support/gradcheck.h"
#include "tests/support/padding.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

using test_support::channel_tensor;
using test_support::expect_exact;
using test_support::in_layout;
using test_support::probe_values;
using tag = dnnl::memory::format_tag;

struct PerTensorCase {
  int bits;
  bool is_signed;
  float scale;
  int64_t zero_point;
};

const PerTensorCase kPerTensorCases[] = {
    {8, false, 0.0625f, 128}, {8, false, 0.0123f, 0}, {8, true, 0.1f, 0},   {8, true, 0.037f, -5},
    {4, false, 0.3f, 3},      {4, true, 0.125f, 0},   {2, true, 0.5f, -1},  {4, false, 1.7f, 15},
};

std::string case_name(const PerTensorCase& c) {
  std::ostringstream s;
  s << (c.is_signed ? "s" : "u") << c.bits << "_scale" << c.scale << "_zp" << c.zero_point;
  return s.str();
}

TEST(FakeQuant, PerTensorMatchesReferenceBitwise) {
  for (const auto& c : kPerTensorCases) {
    const QuantRange r = quant_range(c.bits, c.is_signed);
    Rng rng(static_cast<uint64_t>(c.bits * 100 + c.zero_point + 1000));
    const std::vector<float> xs = probe_values(c.scale, c.zero_point, r, rng);
    const int64_t n = static_cast<int64_t>(xs.size());
    std::vector<float> dys(xs.size());
    rng.fill_uniform(dys, -1.0f, 1.0f);
    const Var x(Tensor::from_plain({n}, xs), true);
    const Var y = fake_quant_per_tensor(x, c.scale, c.zero_point, r);
    y.backward(Tensor::from_plain({n}, dys));
    std::vector<float> y_ref, dx_ref;
    int ties = 0;
    for (size_t i = 0; i < xs.size(); ++i) {
      const auto ref = test_support::fake_quant_reference(xs[i], c.scale, static_cast<float>(c.zero_point), r);
      y_ref.push_back(ref.y);
      dx_ref.push_back(ref.inside ? dys[i] : 0.0f);
      const float v = xs[i] * (1.0f / c.scale);
      ties += v - std::floor(v) == 0.5f;
    }
    EXPECT_GT(ties, 4) << case_name(c) << ": the probe holds no exact ties";
    expect_exact(y.data().to_plain(), y_ref, case_name(c) + " y");
    expect_exact(x.grad().to_plain(), dx_ref, case_name(c) + " dx");
  }
}

TEST(FakeQuant, TiesRoundHalfToEvenAndClampOutsideTheRange) {
  const QuantRange r = quant_range(4, true);  // [-8, 7], scale 1/8: every product is exact
  const std::vector<float> xs{2.5f / 8, 3.5f / 8, -2.5f / 8, -0.5f / 8, 6.5f / 8, 7.5f / 8, -8.5f / 8, 100.0f};
  const Var x(Tensor::from_plain({8}, xs), true);
  const Var y = fake_quant_per_tensor(x, 0.125f, 0, r);
  y.backward(Tensor::full({8}, 1.0f));
  EXPECT_EQ(y.data().to_plain(), (std::vector<float>{2.0f / 8, 4.0f / 8, -2.0f / 8, 0.0f, 6.0f / 8, 7.0f / 8,
                                                     -8.0f / 8, 7.0f / 8}));
  // 7.5 rounds to 8, outside [-8, 7]; -8.5 rounds to -8, inside.
  EXPECT_EQ(x.grad().to_plain(), (std::vector<float>{1, 1, 1, 1, 1, 0, 1, 0}));
}

// The per-tensor loops round by adding and subtracting 1.5 * 2^23 (exact below |v| = 2^22): values
// at and beyond that edge, infinities, and enough elements for the threaded path, bitwise.
TEST(FakeQuant, PerTensorMatchesReferenceBeyondTheRoundingTrickAndInParallel) {
  const float scale = 0.5f;
  const int64_t zero_point = 3;
  const QuantRange r = quant_range(8, false);
  std::vector<float> edge;
  for (const float v : {4194303.5f, 4194304.0f, 4194304.5f, 6291455.5f, 8388607.5f, 8388608.0f, 8388609.0f,
                        12582912.0f, 16777216.0f, 16777218.0f}) {
    edge.insert(edge.end(), {v * scale, -v * scale});
  }
  edge.insert(edge.end(), {INFINITY, -INFINITY});
  Rng rng(11);
  std::vector<float> xs = probe_values(scale, zero_point, r, rng);
  while (xs.size() < 100000) xs.insert(xs.end(), edge.begin(), edge.end());
  const int64_t n = static_cast<int64_t>(xs.size());
  std::vector<float> dys(xs.size());
  rng.fill_uniform(dys, -1.0f, 1.0f);
  const Var x(Tensor::from_plain({n}, xs), true);
  const Var y = fake_quant_per_tensor(x, scale, zero_point, r);
  y.backward(Tensor::from_plain({n}, dys));
  std::vector<float> y_ref, dx_ref;
  for (size_t i = 0; i < xs.size(); ++i) {
    const auto ref = test_support::fake_quant_reference(xs[i], scale, static_cast<float>(zero_point), r);
    y_ref.push_back(ref.y);
    dx_ref.push_back(ref.inside ? dys[i] : 0.0f);
  }
  expect_exact(y.data().to_plain(), y_ref, "y");
  expect_exact(x.grad().to_plain(), dx_ref, "dx");
}

// A weight (5, 4, 4, 4) whose channel c holds probe values of its own scale and zero point.
struct ChannelCase {
  std::vector<float> scales, zero_points;
  bool float_zero_points;
  QuantRange r;
};

std::vector<float> channel_probe(const ChannelCase& c, Rng& rng) {
  std::vector<float> w;
  for (size_t ch = 0; ch < c.scales.size(); ++ch) {
    const auto zp = static_cast<int64_t>(std::lround(c.zero_points[ch]));
    std::vector<float> v = probe_values(c.scales[ch], zp, c.r, rng, false);
    for (int i = 0; i < 64; ++i) w.push_back(v[rng.below(v.size())]);
  }
  return w;
}

const ChannelCase kChannelCases[] = {
    {{0.125f, 0.1f, 0.03f, 1.0f, 0.0625f}, {0, 3, 128, 255, 17}, false, quant_range(8, false)},
    {{0.25f, 0.7f, 0.013f, 0.5f, 2.0f}, {0, -3, 0, 7, -8}, false, quant_range(4, true)},
    {{0.125f, 0.1f, 0.03f, 1.0f, 0.0625f}, {0.0f, 2.5f, 100.25f, 3.0f, -1.5f}, true, quant_range(8, false)},
};

TEST(FakeQuant, PerChannelMatchesReferenceBitwise) {
  Rng rng(21);
  for (const auto& c : kChannelCases) {
    const std::vector<float> xs = channel_probe(c, rng);
    const Tensor dy = test_support::random_tensor({5, 4, 4, 4}, rng);
    const Var x(Tensor::from_plain({5, 4, 4, 4}, xs), true);
    const Var y = fake_quant_per_channel(x, channel_tensor(c.scales, false),
                                         channel_tensor(c.zero_points, !c.float_zero_points), c.r);
    y.backward(dy);
    const std::vector<float> dys = dy.to_plain();
    std::vector<float> y_ref, dx_ref;
    for (size_t i = 0; i < xs.size(); ++i) {
      const size_t ch = i / 64;
      const auto ref = test_support::fake_quant_reference(xs[i], c.scales[ch], c.zero_points[ch], c.r, c.float_zero_points);
      y_ref.push_back(ref.y);
      dx_ref.push_back(ref.inside ? dys[i] : 0.0f);
    }
    const std::string what = c.float_zero_points ? "f32 zero points" : "s32 zero points";
    expect_exact(y.data().to_plain(), y_ref, what + " y");
    expect_exact(x.grad().to_plain(), dx_ref, what + " dx");
  }
}

// LSQ's y and dx (bitwise) and scale gradient (double sums) against the reference.
void expect_lsq_matches_reference(const std::vector<float>& xs, const Dims& dims, const std::vector<float>& scales,
                                  int64_t zero_point, QuantRange r, Rng& rng) {
  const Tensor dy = test_support::random_tensor(dims, rng);
  const Var x(Tensor::from_plain(dims, xs), true);
  const Var scale(Tensor::from_plain({static_cast<int64_t>(scales.size())}, scales), true);
  const Var y = fake_quant_lsq(x, scale, zero_point, r);
  y.backward(dy);
  const std::vector<float> dys = dy.to_plain();
  const size_t per_scale = xs.size() / scales.size();
  const double g = 1 / std::sqrt(static_cast<double>(per_scale) * static_cast<double>(r.qmax));
  std::vector<float> y_ref, dx_ref;
  std::vector<double> dscale_ref(scales.size());
  for (size_t i = 0; i < xs.size(); ++i) {
    const size_t k = i / per_scale;
    const auto ref = test_support::fake_quant_reference(xs[i], scales[k], static_cast<float>(zero_point), r);
    y_ref.push_back(ref.y);
    dx_ref.push_back(ref.inside ? dys[i] : 0.0f);
    dscale_ref[k] += g * dys[i] * ref.dy_dscale;
  }
  expect_exact(y.data().to_plain(), y_ref, "lsq y");
  expect_exact(x.grad().to_plain(), dx_ref, "lsq dx");
  EXPECT_LE(test_support::closeness(scale.grad().to_plain(), dscale_ref, 1e-7, 1e-6), 1.0) << "lsq dscale";
}

TEST(FakeQuant, LsqMatchesReference) {
  Rng rng(31);
  for (const auto& c : kPerTensorCases) {
    const QuantRange r = quant_range(c.bits, c.is_signed);
    const std::vector<float> xs = probe_values(c.scale, c.zero_point, r, rng, false);
    expect_lsq_matches_reference(xs, {static_cast<int64_t>(xs.size())}, {c.scale}, c.zero_point, r, rng);
  }
  const ChannelCase& c = kChannelCases[0];
  expect_lsq_matches_reference(channel_probe({c.scales, std::vector<float>(5, 9.0f), false, c.r}, rng),
                               {5, 4, 4, 4}, c.scales, 9, c.r, rng);
}

// The STE is the derivative of the envelope clamp(x, (qmin - zp) s, (qmax - zp) s). With inputs
// on the levels of power-of-two scales and a step eps of whole levels, central differences are
// exactly 1 inside and 0 outside; the elements within eps of an edge are kinks and are skipped.
TEST(FakeQuant, SteMatchesFiniteDifferencesAwayFromTheEdges) {
  Rng rng(41);
  const auto on_levels = [&](float level) {  // (3, 5, 4, 4) in [-3, 3]
    std::vector<float> v(240);
    for (auto& e : v) e = static_cast<float>(static_cast<int64_t>(rng.below(193)) - 96) * level;
    return Tensor::from_plain({3, 5, 4, 4}, v);
  };
  test_support::GradcheckOptions options;
  options.eps = 0.25;
  options.kink_tolerance = 0.02;
  const QuantRange r = quant_range(8, false);
  const float scale = 1.0f / 64;  // range [-2, 1.984]
  test_support::expect_gradcheck([&](const std::vector<Var>& v) { return fake_quant_per_tensor(v[0], scale, 128, r); },
                                 {on_levels(scale)}, options);
  const Tensor scales = Tensor::from_plain({3}, std::vector<float>{1.0f / 64, 1.0f / 128, 1.0f / 32});
  const Tensor zero_points = Tensor::from_plain({3}, std::vector<float>{100, 128, 160}, DType::s32);
  test_support::expect_gradcheck(
      [&](const std::vector<Var>& v) { return fake_quant_per_channel(v[0], scales, zero_points, r); },
      {on_levels(1.0f / 32)}, options);
  // After ReLU6, on levels in [-2, 8]: kinks at 0, at 6 and at the range's top, 255 / 32.
  const Tensor wide = [&] {
    std::vector<float> v(240);
    for (auto& e : v) e = static_cast<float>(static_cast<int64_t>(rng.below(321)) - 64) / 32;
    return Tensor::from_plain({3, 5, 4, 4}, v);
  }();
  test_support::expect_gradcheck(
      [&](const std::vector<Var>& v) { return fake_quant_after_clip(v[0], 0.0f, 6.0f, 1.0f / 32, 0, r); }, {wide},
      options);
  options.check_input = {true, false};
  test_support::expect_gradcheck([&](const std::vector<Var>& v) { return fake_quant_lsq(v[0], v[1], 128, r); },
                                 {on_levels(scale), Tensor::from_plain({1}, std::vector{scale})}, options);
}

// fake_quant_after_clip against the double reference on clip(x), and against relu / relu6
// followed by fake_quant_per_tensor (the ops it fuses), bit for bit, in plain and blocked layouts.
TEST(FakeQuant, AfterClipIsTheActivationThenFakeQuantBitwise) {
  struct Clip {
    const char* name;
    float hi;
    std::function<Var(const Var&)> op;
  };
  const Clip clips[] = {{"relu", std::numeric_limits<float>::infinity(), relu}, {"relu6", 6.0f, relu6}};
  for (const auto& c : kPerTensorCases) {
    const QuantRange r = quant_range(c.bits, c.is_signed);
    for (const Clip& clip : clips) {
      const std::string what = case_name(c) + " " + clip.name;
      Rng rng(static_cast<uint64_t>(c.bits * 100 + c.zero_point + 2000));
      std::vector<float> xs = probe_values(c.scale, c.zero_point, r, rng);
      for (const float v : {0.0f, -0.0f, -1.0f, 6.0f, std::nextafter(6.0f, 0.0f), std::nextafter(6.0f, 7.0f), 7.5f,
                            1e-30f, -1e-30f})
        xs.push_back(v);
      xs.resize((xs.size() + 39) / 40 * 40, 0.5f);  // (N, 20, 1, 2)
      const Dims dims{static_cast<int64_t>(xs.size()) / 40, 20, 1, 2};
      std::vector<float> dys(xs.size());
      rng.fill_uniform(dys, -1.0f, 1.0f);
      const Tensor xt = Tensor::from_plain(dims, xs), dy = Tensor::from_plain(dims, dys);

      std::vector<float> y_ref, dx_ref;
      for (size_t i = 0; i < xs.size(); ++i) {
        const float clipped = std::min(std::max(xs[i], 0.0f), clip.hi);
        const auto ref = test_support::fake_quant_reference(clipped, c.scale, static_cast<float>(c.zero_point), r);
        y_ref.push_back(ref.y);
        dx_ref.push_back(ref.inside && clipped > 0.0f && clipped < clip.hi ? dys[i] : 0.0f);
      }
      const auto fused = [&](const Var& x) {
        return fake_quant_after_clip(x, 0.0f, clip.hi, c.scale, c.zero_point, r);
      };
      const auto composed = [&](const Var& x) { return fake_quant_per_tensor(clip.op(x), c.scale, c.zero_point, r); };
      const auto plain = test_support::run_in_layout(fused, xt, dy);
      expect_exact(plain.first, y_ref, what + " y");
      expect_exact(plain.second, dx_ref, what + " dx");
      for (const tag t : {tag::nChw16c, tag::nhwc}) {  // 20 channels: nChw16c pads 12
        const auto blocked = test_support::run_in_layout(fused, in_layout(xt, t), dy);
        const auto reference = test_support::run_in_layout(composed, in_layout(xt, t), dy);
        expect_exact(blocked.first, reference.first, what + " blocked y");
        expect_exact(blocked.second, reference.second, what + " blocked dx");
      }
    }
  }
}

// Inside a graph the gradient the fused op receives is held by nothing else, and its backward
// writes dx over it: backward then needs one map (mul's dy c) on top of what is live, not two.
// The caller's gradient is left as it was, and dx is the mask times dy c, to the bit.
TEST(FakeQuant, AfterClipBackwardWritesOverAGradientNothingElseHolds) {
  Rng rng(31);
  const Dims dims{2, 32, 3, 5};
  const QuantRange r = quant_range(8, false);
  const float scale = 6.0f / 255;
  const Tensor xt = test_support::random_tensor(dims, rng, -2.0f, 8.0f);
  const Tensor c = test_support::random_tensor(dims, rng), dy = test_support::random_tensor(dims, rng);
  const std::vector<float> xs = xt.to_plain(), cs = c.to_plain(), dy_before = dy.to_plain();
  std::vector<float> dx_ref;
  for (size_t i = 0; i < xs.size(); ++i) {
    const float clipped = std::min(std::max(xs[i], 0.0f), 6.0f);
    const bool inside = test_support::fake_quant_reference(clipped, scale, 0.0f, r).inside;
    dx_ref.push_back(inside && clipped > 0.0f && clipped < 6.0f ? dy_before[i] * cs[i] : 0.0f);
  }
  const Var x(xt, true);
  // y is held here, so no map that backward could free (mul saves y) makes room for dx.
  const Var y = fake_quant_after_clip(x, 0.0f, 6.0f, scale, 0, r);
  const Var z = mul(y, Var(c));
  const size_t live = live_storage_bytes();
  reset_peak_storage();
  z.backward(dy);
  EXPECT_LE(peak_live_storage_bytes() - live, dy.desc().get_size());
  expect_exact(x.grad().to_plain(), dx_ref, "dx");
  EXPECT_EQ(dy.to_plain(), dy_before);
}

// Where every element is clamped, y = s (qbound - zp) is smooth in s, and LSQ's scale
// gradient is g times its true derivative.
TEST(FakeQuant, LsqScaleGradientIsScaledTrueDerivativeWhenClamped) {
  Rng rng(43);
  const QuantRange r = quant_range(4, true);
  std::vector<float> xs(40);
  rng.fill_uniform(xs, 2.0f, 5.0f);
  for (size_t i = 0; i < xs.size(); i += 2) xs[i] = -xs[i];
  const Tensor x = Tensor::from_plain({40}, xs), dy = test_support::random_tensor({40}, rng);
  const float s = 0.1f;
  const auto loss = [&](float scale) {
    NoGrad no_grad;
    const auto y = fake_quant_lsq(Var(x), Var(Tensor::from_plain({1}, std::vector{scale})), 2, r).data().to_plain();
    double sum = 0;
    for (size_t i = 0; i < y.size(); ++i) sum += static_cast<double>(y[i]) * dy.to_plain()[i];
    return sum;
  };
  const double numeric = (loss(s + 1e-3f) - loss(s - 1e-3f)) / (static_cast<double>(s + 1e-3f) - (s - 1e-3f));
  const Var scale(Tensor::from_plain({1}, std::vector{s}), true);
  fake_quant_lsq(Var(x), scale, 2, r).backward(dy);
  const double g = 1 / std::sqrt(40.0 * 7);
  EXPECT_NEAR(scale.grad().to_plain()[0] / g, numeric, 1e-3 * std::abs(numeric) + 1e-4);
}
TEST(FakeQuant, RepeatedStepReordersNothingAndInferenceRecordsNothing) {
  Rng rng(81);
  const QuantRange r = quant_range(8, false);
  const dnnl::memory::desc blocked({2, 20, 5, 5}, dt::f32, tag::nChw16c);
  const Tensor xt = test_support::random_tensor({2, 20, 5, 5}, rng).to_layout(blocked);
  const Tensor dy = test_support::random_tensor({2, 20, 5, 5}, rng).to_layout(blocked);
  const uint64_t reorders = reorder_count();
  fake_quant_per_tensor(Var(xt, true), 0.01f, 128, r).backward(dy);
  fake_quant_lsq(Var(xt, true), Var(Tensor::from_plain({1}, std::vector{0.01f}), true), 128, r).backward(dy);
  EXPECT_EQ(reorder_count(), reorders);
  clear_tape();
  NoGrad no_grad;
  const Var y = fake_quant_per_tensor(Var(xt, true), 0.01f, 128, r);
  EXPECT_EQ(tape_size(), 0u);
  EXPECT_FALSE(y.requires_grad());
}

TEST(FakeQuant, RejectsBadArguments) {
  const Var x(Tensor::full({4, 3}, 1.0f));
  const QuantRange r = quant_range(8, false);
  const auto expect_error = [](const std::function<void()>& f, const std::string& text) {
    try {
      f();
      ADD_FAILURE() << "expected an error containing " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  expect_error([&] { (void)fake_quant_per_tensor(x, 0.1f, 256, r); },
               "fake_quant_per_tensor: zero point must be in [0, 255], got 256");
  expect_error([&] { (void)fake_quant_per_tensor(x, 0.0f, 0, r); }, "fake_quant_per_tensor: scale must be finite and > 0");
  expect_error([&] { (void)fake_quant_per_channel(x, Tensor::full({3}, 0.1f), Tensor::zeros({3}, DType::s32), r); },
               "fake_quant_per_channel: expected 4 scales for x of dims [4, 3], got 3");
  expect_error([&] { (void)fake_quant_lsq(x, Var(Tensor::full({2}, 0.1f)), 0, r); },
               "fake_quant_lsq: expected 4 scales");
}

}  // namespace
}  // namespace minnow
