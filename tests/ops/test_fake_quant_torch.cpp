// fake_quant ops against PyTorch's fake_quantize_per_tensor_affine / _per_channel_affine and
// the learnable (LSQ) variants, forward and backward; and blocked activations (nChw16c, nhwc)
// and the weight layouts conv2d picks, against the same ops on plain tensors.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <sstream>

#include "ops/conv2d.h"
#include "ops/fake_quant.h"
#include "tests/support/fake_quant_reference.h"
#include "tests/support/padding.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using test_support::channel_tensor;
using test_support::expect_exact;
using test_support::probe_values;
using tag = dnnl::memory::format_tag;
using test_support::in_layout;
using test_support::run_in_layout;

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

// QAT's quantizer fused with the ReLU or ReLU6 before it, against torch's relu / relu6 and then
// fake_quantize_per_tensor_affine, in nChw16c with 20 channels (12 of padding).
TEST(FakeQuant, AfterClipMatchesPyTorch) {
  test_support::TorchParity torch;
  Rng rng(53);
  const QuantRange r = quant_range(8, false);
  const float scale = 5.0f / 255;
  const Tensor xt = test_support::random_tensor({2, 20, 3, 3}, rng, -3.0f, 8.0f);
  const Tensor dy = test_support::random_tensor(xt.dims(), rng);
  std::vector<std::pair<std::vector<float>, std::vector<float>>> got;
  for (const bool is_relu6 : {false, true}) {
    const std::string id = is_relu6 ? "relu6" : "relu";
    const float hi = is_relu6 ? 6.0f : std::numeric_limits<float>::infinity();
    got.push_back(run_in_layout([&](const Var& x) { return fake_quant_after_clip(x, 0.0f, hi, scale, 0, r); },
                                in_layout(xt, tag::nChw16c), dy));
    torch.add(id, "fake_quant_after_clip",
              std::string(R"({"relu6":)") + (is_relu6 ? "true" : "false") + R"(,"scale":)" + num(scale) +
                  R"(,"zero_point":0,"qmin":0,"qmax":255})",
              {{"x", xt}, {"dy", dy}});
  }
  torch.run();
  for (const bool is_relu6 : {false, true}) {
    const std::string id = is_relu6 ? "relu6" : "relu";
    expect_exact(got[is_relu6].first, torch.result(id, "y"), id + " y");
    expect_exact(got[is_relu6].second, torch.result(id, "dx"), id + " dx");
  }
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

}  // namespace
}  // namespace minnow
