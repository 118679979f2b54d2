// Int8SeGate::forward: the int8 global pooling's real output, then each fc: s8_linear (int8
// weights, f32 products, ops/int8/s8_linear.h), the activation and the fc's fake quantization, all
// in f32. Before, each fc ran as a oneDNN inner product and then fake_quant_per_tensor, and the
// calls around the small products (primitive lookup, memory objects, a Var for the quantizer, a
// parallel region) cost more than the products: EfficientNet-B0's 16 gates took 40% of its int8
// forward.
#include "train/qat/int8_se_gate.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "ops/fake_quant.h"
#include "ops/int8/pool.h"

namespace minnow {
namespace {

// The activations as PyTorch defines them, in f32.
float activate(ActivationKind kind, float v) {
  switch (kind) {
    case ActivationKind::relu: return std::max(v, 0.f);
    case ActivationKind::relu6: return std::clamp(v, 0.f, 6.f);
    case ActivationKind::hardswish: return v * std::clamp(v + 3.f, 0.f, 6.f) / 6.f;
    case ActivationKind::hardsigmoid: return std::clamp(v + 3.f, 0.f, 6.f) / 6.f;
    case ActivationKind::sigmoid: return 1.f / (1.f + std::exp(-v));
    case ActivationKind::swish: return v / (1.f + std::exp(-v));
  }
  return v;
}

// x: (N, I) f32 plain. Returns fq(act(s8_linear(x))), (N, O) f32 plain, fq the fc's quantizer.
Tensor run_fc(const Int8SeFc& fc, const Tensor& x) {
  MINNOW_CHECK(fc.bias.defined() && fc.scale > 0.f, "Int8SeGate: ", fc.name, " expected a bias and a quantizer scale ",
               "> 0, got ", fc.bias.defined() ? "a bias" : "no bias", " and ", fc.scale);
  Tensor y = s8_linear(x, fc.weights, fc.bias);  // (N, O)
  float* py = y.data<float>();
  const int64_t n = y.numel();
  for (int64_t k = 0; k < n; ++k) py[k] = activate(fc.activation, py[k]);
  fake_quant_values(py, py, n, fc.scale, 0, fc.range);
  return y;
}

}  // namespace

Tensor Int8SeGate::forward(const QTensor& x) const {
  const QTensor pooled = int8_global_avg_pool(x, DType::f32);  // (N, C, 1, 1) real, plain
  const Dims d = pooled.data.dims();
  const Tensor hidden = run_fc(fc1, pooled.data.reshape({d[0], d[1]}));  // (N, S)
  return run_fc(fc2, hidden);                                             // (N, C)
}

}  // namespace minnow
