// Int8SeGate against the definition in double: the mean of the dequantized input, then for
// each fc W h + b, its activation, and its quantizer's round-half-even and clamp, with
// SiLU / sigmoid (EfficientNet) and ReLU / hardsigmoid (MobileNet-v3); and against the plain
// ops the fused fcs replace, for every activation kind.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/grad_mode.h"
#include "ops/fake_quant.h"
#include "ops/int8/classifier.h"
#include "ops/int8/pool.h"
#include "tests/support/int8_checks.h"
#include "train/qat/int8_se_gate.h"

namespace minnow {
namespace {

double activate(ActivationKind kind, double v) {
  switch (kind) {
    case ActivationKind::relu: return std::max(v, 0.0);
    case ActivationKind::relu6: return std::clamp(v, 0.0, 6.0);
    case ActivationKind::hardswish: return v * std::clamp(v + 3.0, 0.0, 6.0) / 6.0;
    case ActivationKind::hardsigmoid: return std::clamp(v + 3.0, 0.0, 6.0) / 6.0;
    case ActivationKind::sigmoid: return 1.0 / (1.0 + std::exp(-v));
    case ActivationKind::swish: return v / (1.0 + std::exp(-v));
  }
  return v;
}

// An fc of random int8 weights with per-output scales, random biases, and its quantizer.
Int8SeFc random_fc(const std::string& name, int64_t in, int64_t out, ActivationKind act, float scale, bool is_signed,
                   Rng& rng) {
  std::vector<float> w_scales(static_cast<size_t>(out)), w(static_cast<size_t>(out * in)), b(static_cast<size_t>(out));
  for (float& v : w_scales) v = rng.uniform(0.5f, 1.5f) / (127.f * std::sqrt(static_cast<float>(in)));
  for (size_t k = 0; k < w.size(); ++k) w[k] = std::nearbyint(rng.uniform(-127.f, 127.f)) * w_scales[k / in];
  for (float& v : b) v = rng.uniform(-0.5f, 0.5f);
  return {.name = name, .weights = S8Weights::from(Tensor::from_plain({out, in}, w), w_scales),
          .bias = Tensor::from_plain({out}, b), .activation = act, .scale = scale, .range = quant_range(8, is_signed)};
}

// fc's output for h in double, (N, O).
std::vector<double> reference_fc(const Int8SeFc& fc, const std::vector<double>& h, int64_t n) {
  const std::vector<float> w = fc.weights.weight().to_plain(), b = fc.bias.to_plain();
  const int64_t out = fc.weights.out(), in = fc.weights.in();
  std::vector<double> y(static_cast<size_t>(n * out));
  for (int64_t s = 0; s < n; ++s)
    for (int64_t o = 0; o < out; ++o) {
      double acc = b[static_cast<size_t>(o)];
      for (int64_t i = 0; i < in; ++i) acc += w[static_cast<size_t>(o * in + i)] * h[static_cast<size_t>(s * in + i)];
      const double q = std::nearbyint(activate(fc.activation, acc) / fc.scale);
      y[static_cast<size_t>(s * out + o)] = std::clamp(q, double(fc.range.qmin), double(fc.range.qmax)) * fc.scale;
    }
  return y;
}

TEST(Int8SeGate, MatchesTheDefinition) {
  struct Case {
    DType in;
    ActivationKind act, gate_act;
    bool hidden_signed;
  };
  const Case cases[] = {{DType::s8, ActivationKind::swish, ActivationKind::sigmoid, true},
                        {DType::u8, ActivationKind::relu, ActivationKind::hardsigmoid, false}};
  const int64_t n = 3, c = 24, s = 8, h = 5;
  Rng rng(12);
  for (const Case& t : cases) {
    SCOPED_TRACE(activation_name(t.act));
    const QTensor x = test_support::random_qtensor({n, c, h, h}, t.in, 0.02f, dnnl::memory::format_tag::nhwc, rng);
    const Int8SeGate gate{.fc1 = random_fc("se.fc1", c, s, t.act, 0.011f, t.hidden_signed, rng),
                          .fc2 = random_fc("se.fc2", s, c, t.gate_act, 0.0041f, true, rng)};
    const std::vector<double> real = test_support::real_values(x);  // (N, C, H, W)
    std::vector<double> mean(static_cast<size_t>(n * c), 0.0);
    for (size_t i = 0; i < real.size(); ++i) mean[i / static_cast<size_t>(h * h)] += real[i] / double(h * h);
    const std::vector<double> ref = reference_fc(gate.fc2, reference_fc(gate.fc1, mean, n), n);

    const Tensor got = gate.forward(x);
    ASSERT_EQ(got.dims(), (Dims{n, c}));
    const std::vector<float> g = got.to_plain();
    int exact = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      EXPECT_LE(std::abs(g[i] - ref[i]), gate.fc2.scale * 1.001) << i;  // a neighbouring integer at most
      exact += std::abs(g[i] - ref[i]) < 1e-6;
    }
    EXPECT_GE(exact, static_cast<int>(g.size()) - 1);
    EXPECT_GE(std::set<float>(g.begin(), g.end()).size(), 10u) << "the gate barely varies";
  }
}

// The gate's fcs (dot products, the activation and the quantizer in one loop) against
// the plain ops they replace: dequantized_linear, apply_activation, fake_quant_per_tensor.
// Each activation kind as fc1's, on 2 samples: the two differ only where float sums in
// another order land the scaled value on the other side of a .5, one step away.
TEST(Int8SeGate, EqualsThePlainOpsForEveryActivation) {
  const ActivationKind kinds[] = {ActivationKind::relu,        ActivationKind::relu6,   ActivationKind::hardswish,
                                  ActivationKind::hardsigmoid, ActivationKind::sigmoid, ActivationKind::swish};
  const int64_t n = 2, c = 40, s = 16;
  Rng rng(21);
  for (const ActivationKind act : kinds) {
    SCOPED_TRACE(activation_name(act));
    const QTensor x = test_support::random_qtensor({n, c, 6, 6}, DType::u8, 0.08f, dnnl::memory::format_tag::nhwc, rng);
    const Int8SeGate gate{.fc1 = random_fc("se.fc1", c, s, act, 0.06f, true, rng),
                          .fc2 = random_fc("se.fc2", s, c, ActivationKind::hardsigmoid, 0.0039f, false, rng)};
    const NoGrad no_grad;
    const auto plain_fc = [](const Int8SeFc& fc, const QTensor& in) {
      const Var y = apply_activation(fc.activation, Var(dequantized_linear(in, fc.weights.weight(), fc.bias)));
      return fake_quant_per_tensor(y, fc.scale, 0, fc.range).data();
    };
    const Tensor hidden = plain_fc(gate.fc1, int8_global_avg_pool(x, DType::f32));
    const std::vector<float> want = plain_fc(gate.fc2, {hidden, 1.f}).to_plain();
    const std::vector<float> got = gate.forward(x).to_plain();
    ASSERT_EQ(got.size(), want.size());
    int equal = 0;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_LE(std::abs(got[i] - want[i]), gate.fc2.scale * 1.001f) << i;
      equal += got[i] == want[i];
    }
    EXPECT_GE(equal, static_cast<int>(got.size()) - 1);
    EXPECT_GE(std::set<float>(got.begin(), got.end()).size(), 10u) << "the gate barely varies";
  }
}

}  // namespace
}  // namespace minnow
