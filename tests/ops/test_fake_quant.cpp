// fake_quant ops against a double-precision reference (bitwise, exact .5 ties and values
// beyond the range included), finite differences away from the kinks, PyTorch's
// fake_quantize_* and learnable (LSQ) ops, and blocked activation and conv-weight layouts.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <sstream>

#include "core/error.h"
#include "core/grad_mode.h"
#include "core/reorder.h"
#include "core/tape.h"
#include "ops/conv2d.h"
#include "ops/fake_quant.h"
#include "tests/support/gradcheck.h"
#include "tests/support/padding.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using tag = dnnl::memory::format_tag;

// Round half to even, written without the rounding mode.
double round_half_even(double v) {
  const double below = std::floor(v), frac = v - below;
  if (frac != 0.5) return frac < 0.5 ? below : below + 1;
  return std::fmod(below, 2.0) == 0 ? below : below + 1;
}

// One element of the reference: torch's float product x * (1 / scale), the rest in double.
struct Reference {
  double q;  // before clamping
  float y;
  bool inside;
  double dy_dscale;  // LSQ
};

Reference reference(float x, float scale, float zero_point, QuantRange r, bool zero_point_before_round = false) {
  const float v = x * (1.0f / scale);
  const double q = zero_point_before_round ? round_half_even(static_cast<double>(v + zero_point))
                                           : round_half_even(v) + zero_point;
  const double qmin = static_cast<double>(r.qmin), qmax = static_cast<double>(r.qmax);
  const double clamped = std::min(std::max(q, qmin), qmax);
  const bool inside = q >= qmin && q <= qmax;
  const double dy_dscale = q < qmin ? qmin - zero_point : q > qmax ? qmax - zero_point : round_half_even(v) - v;
  return {q, static_cast<float>((clamped - zero_point) * static_cast<double>(scale)), inside, dy_dscale};
}

// Values around every level from 4 below the range to 4 above: k scale, (k + 0.5) scale (a
// tie when the product is exact), its neighbours, random values, zeros and far values.
std::vector<float> probe_values(float scale, int64_t zero_point, QuantRange r, Rng& rng, bool far = true) {
  std::vector<float> v;
  for (int64_t k = r.qmin - zero_point - 4; k <= r.qmax - zero_point + 4; ++k) {
    const float tie = (static_cast<float>(k) + 0.5f) * scale;
    v.insert(v.end(), {static_cast<float>(k) * scale, tie, std::nextafter(tie, 1e30f), std::nextafter(tie, -1e30f)});
  }
  for (int i = 0; i < 64; ++i)
    v.push_back(rng.uniform(static_cast<float>(r.qmin - zero_point - 10), static_cast<float>(r.qmax - zero_point + 10)) *
                scale);
  v.insert(v.end(), {0.0f, -0.0f});
  if (far) v.insert(v.end(), {1e6f, -1e6f, 1e30f, -1e30f, 3e38f, -3e38f});
  return v;
}

// Equal bit for bit, except that 0 and -0 count as equal (torch writes dy * 0 = -0 where dy < 0).
void expect_exact(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  int mismatches = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::bit_cast<uint32_t>(got[i]) == std::bit_cast<uint32_t>(want[i]) || (got[i] == 0 && want[i] == 0)) continue;
    if (++mismatches <= 5) ADD_FAILURE() << what << " [" << i << "]: " << got[i] << " vs " << want[i];
  }
  EXPECT_EQ(mismatches, 0) << what;
}

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
      const Reference ref = reference(xs[i], c.scale, static_cast<float>(c.zero_point), r);
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

Tensor channel_tensor(const std::vector<float>& values, bool as_s32) {
  const Dims dims{static_cast<int64_t>(values.size())};
  return as_s32 ? Tensor::from_plain(dims, values, DType::s32) : Tensor::from_plain(dims, values);
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
      const Reference ref = reference(xs[i], c.scales[ch], c.zero_points[ch], c.r, c.float_zero_points);
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
    const Reference ref = reference(xs[i], scales[k], static_cast<float>(zero_point), r);
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
  options.check_input = {true, false};
  test_support::expect_gradcheck([&](const std::vector<Var>& v) { return fake_quant_lsq(v[0], v[1], 128, r); },
                                 {on_levels(scale), Tensor::from_plain({1}, std::vector{scale})}, options);
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

std::string num(double v) {
  std::ostringstream s;
  s.precision(17);
  s << v;
  return s.str();
}

TEST(FakeQuant, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, dx, dscale;
  };
  std::vector<Got> got;
  Rng rng(51);
  for (const int bits : {4, 8}) {
    for (const bool is_signed : {false, true}) {
      const QuantRange r = quant_range(bits, is_signed);
      const float scale = 3.0f / static_cast<float>(r.qmax - r.qmin);
      const int64_t zp = is_signed ? -1 : (r.qmax + 1) / 3;
      const std::string range = R"("qmin":)" + std::to_string(r.qmin) + R"(,"qmax":)" + std::to_string(r.qmax);
      const std::string id = std::string(is_signed ? "s" : "u") + std::to_string(bits);

      // Per tensor: probe values (ties included) within float range torch casts safely.
      const std::vector<float> xs = probe_values(scale, zp, r, rng, false);
      const Dims dims{static_cast<int64_t>(xs.size())};
      const Tensor xt = Tensor::from_plain(dims, xs), dy = test_support::random_tensor(dims, rng);
      const Var x(xt, true);
      fake_quant_per_tensor(x, scale, zp, r).backward(dy);
      torch.add(id + "_tensor", "fake_quant_per_tensor",
                R"({"scale":)" + num(scale) + R"(,"zero_point":)" + std::to_string(zp) + "," + range + "}",
                {{"x", xt}, {"dy", dy}});
      got.push_back({id + "_tensor", fake_quant_per_tensor(Var(xt), scale, zp, r).data().to_plain(),
                     x.grad().to_plain(), {}});

      // Per channel, s32 and f32 zero points, on a weight (6, 4, 3, 3).
      for (const bool float_zp : {false, true}) {
        std::vector<float> scales(6), zps(6);
        rng.fill_uniform(scales, 0.5f * scale, 2.0f * scale);
        for (size_t c = 0; c < 6; ++c)
          zps[c] = static_cast<float>(r.qmin + static_cast<int64_t>(rng.below(static_cast<uint64_t>(r.qmax - r.qmin)))) +
                   (float_zp ? 0.25f : 0.0f);
        const Tensor wt = test_support::random_tensor({6, 4, 3, 3}, rng, -4.0f * scale * (r.qmax - r.qmin) / 2,
                                                      4.0f * scale * (r.qmax - r.qmin) / 2);
        const Tensor dw = test_support::random_tensor(wt.dims(), rng);
        const Var w(wt, true);
        const Var y = fake_quant_per_channel(w, channel_tensor(scales, false), channel_tensor(zps, !float_zp), r);
        y.backward(dw);
        const std::string cid = id + (float_zp ? "_channel_f32zp" : "_channel");
        torch.add(cid, "fake_quant_per_channel",
                  std::string(R"({"float_zero_point":)") + (float_zp ? "true," : "false,") + range +
                      R"(,"constant":["scale","zero_point"]})",
                  {{"x", wt}, {"scale", channel_tensor(scales, false)}, {"zero_point", channel_tensor(zps, false)},
                   {"dy", dw}});
        got.push_back({cid, y.data().to_plain(), w.grad().to_plain(), {}});
      }

      // LSQ per tensor and per channel (random values: no exact ties, see ops/fake_quant.h). torch's
      // per-tensor backward takes int(zp + 0.5) as the zero point, 0 for zp = -1: signed cases use zp = 0.
      const int64_t lsq_zp = is_signed ? 0 : zp;
      for (const bool per_channel : {false, true}) {
        const Tensor lt = test_support::random_tensor({6, 4, 3, 3}, rng, -2.0f, 2.0f);
        const Tensor ldy = test_support::random_tensor(lt.dims(), rng);
        std::vector<float> scales(per_channel ? 6 : 1);
        rng.fill_uniform(scales, 0.5f * scale, 1.5f * scale);
        const Var lx(lt, true), ls(Tensor::from_plain({static_cast<int64_t>(scales.size())}, scales), true);
        const Var y = fake_quant_lsq(lx, ls, lsq_zp, r);
        y.backward(ldy);
        const double per_scale = static_cast<double>(lt.numel()) / static_cast<double>(scales.size());
        const double g = 1 / std::sqrt(per_scale * static_cast<double>(r.qmax));
        const std::string lid = id + (per_channel ? "_lsq_channel" : "_lsq_tensor");
        torch.add(lid, "fake_quant_lsq",
                  std::string(R"({"per_channel":)") + (per_channel ? "true" : "false") + R"(,"zero_point":)" +
                      std::to_string(lsq_zp) + R"(,"grad_factor":)" + num(g) + "," + range + "}",
                  {{"x", lt}, {"scale", ls.data()}, {"dy", ldy}});
        got.push_back({lid, y.data().to_plain(), lx.grad().to_plain(), ls.grad().to_plain()});
      }
    }
  }
  torch.run();
  for (const auto& g : got) {
    expect_exact(g.y, torch.result(g.id, "y"), g.id + " y");
    expect_exact(g.dx, torch.result(g.id, "dx"), g.id + " dx");
    if (!g.dscale.empty())
      test_support::expect_matches_torch(g.dscale, torch.result(g.id, "dscale"), 1e-5, 1e-4, g.id + " dscale");
  }
}

Tensor in_layout(const Tensor& plain, tag t) { return plain.to_layout(dnnl::memory::desc(plain.dims(), dt::f32, t)); }

// y and dx of op on x in its layout, read back in plain order.
std::pair<std::vector<float>, std::vector<float>> run_in_layout(const std::function<Var(const Var&)>& op,
                                                                const Tensor& x_any, const Tensor& dy_plain) {
  const Var x(x_any, true);
  const Var y = op(x);
  EXPECT_EQ(y.data().desc(), x_any.desc()) << "output leaves x's layout";
  EXPECT_TRUE(test_support::padding_is_zero(y.data()));
  y.backward(dy_plain.to_layout(y.data().desc()));
  EXPECT_EQ(x.grad().desc(), x_any.desc()) << "gradient leaves x's layout";
  EXPECT_TRUE(test_support::padding_is_zero(x.grad()));
  return {y.data().to_plain(), x.grad().to_plain()};
}

TEST(FakeQuant, BlockedActivationsMatchPlain) {
  Rng rng(61);
  const QuantRange r = quant_range(8, false);
  const Tensor xt = test_support::random_tensor({2, 24, 5, 5}, rng, -2.0f, 3.0f);
  const Tensor dy = test_support::random_tensor(xt.dims(), rng);
  const Tensor scale = Tensor::from_plain({1}, std::vector{5.0f / 255});
  const std::function<Var(const Var&)> per_tensor = [&](const Var& x) {
    return fake_quant_per_tensor(x, 5.0f / 255, 102, r);
  };
  for (const tag t : {tag::nChw16c, tag::nhwc}) {
    const auto blocked = run_in_layout(per_tensor, in_layout(xt, t), dy);
    const auto plain = run_in_layout(per_tensor, xt, dy);
    expect_exact(blocked.first, plain.first, "per tensor y");
    expect_exact(blocked.second, plain.second, "per tensor dx");
    Var scale_blocked(scale.clone(), true), scale_plain(scale.clone(), true);
    const auto lsq_blocked = run_in_layout([&](const Var& x) { return fake_quant_lsq(x, scale_blocked, 102, r); },
                                           in_layout(xt, t), dy);
    const auto lsq_plain = run_in_layout([&](const Var& x) { return fake_quant_lsq(x, scale_plain, 102, r); }, xt, dy);
    expect_exact(lsq_blocked.first, lsq_plain.first, "lsq y");
    expect_exact(lsq_blocked.second, lsq_plain.second, "lsq dx");
    EXPECT_LE(test_support::closeness(scale_blocked.grad().to_plain(), scale_plain.grad().to_plain(), 1e-7, 1e-6), 1.0);
  }
}

// The layouts conv2d gives a leaf weight: normal (OIhw..i..o), grouped and depthwise (5-D).
TEST(FakeQuant, ConvWeightLayoutsMatchPlain) {
  Rng rng(71);
  const QuantRange r = quant_range(8, true);
  for (const int64_t groups : {1, 3, 24}) {
    const int64_t out = groups == 24 ? 24 : 48;
    const Tensor plain = test_support::random_tensor({out, 24 / groups, 3, 3}, rng);
    const Tensor dy = test_support::random_tensor(plain.dims(), rng);
    const Var w(plain.clone(), true);
    (void)conv2d(test_support::random_var({2, 24, 9, 9}, rng), w, Var(), {.padding = 1, .groups = groups});
    const Tensor blocked = w.data();
    ASSERT_FALSE(blocked.is_plain()) << "groups " << groups << ": conv2d kept the weight plain";
    std::vector<float> scales(static_cast<size_t>(out));
    rng.fill_uniform(scales, 0.002f, 0.01f);
    const Tensor st = channel_tensor(scales, false);
    const Tensor zps = Tensor::zeros({out}, DType::s32);
    const std::string what = "groups " + std::to_string(groups);
    const auto op = [&](const Var& x) { return fake_quant_per_channel(x, st, zps, r); };
    const auto got = run_in_layout(op, blocked, dy.reshape(blocked.dims()));
    const auto want = run_in_layout(op, plain, dy);
    expect_exact(got.first, want.first, what + " y");
    expect_exact(got.second, want.second, what + " dx");
    Var s_blocked(st.clone(), true), s_plain(st.clone(), true);
    const auto lsq_got =
        run_in_layout([&](const Var& x) { return fake_quant_lsq(x, s_blocked, 0, r); }, blocked, dy.reshape(blocked.dims()));
    const auto lsq_want = run_in_layout([&](const Var& x) { return fake_quant_lsq(x, s_plain, 0, r); }, plain, dy);
    expect_exact(lsq_got.first, lsq_want.first, what + " lsq y");
    expect_exact(lsq_got.second, lsq_want.second, what + " lsq dx");
    EXPECT_LE(test_support::closeness(s_blocked.grad().to_plain(), s_plain.grad().to_plain(), 1e-7, 1e-6), 1.0)
        << what;
  }
}

TEST(FakeQuant, RepeatedStepReordersNothingAndInferenceRecordsNothing) {
  Rng rng(81);
  const QuantRange r = quant_range(8, false);
  const Tensor xt = in_layout(test_support::random_tensor({2, 20, 5, 5}, rng), tag::nChw16c);
  const Tensor dy = in_layout(test_support::random_tensor({2, 20, 5, 5}, rng), tag::nChw16c);
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
