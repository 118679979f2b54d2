// Int8SeGate::forward: the int8 global pooling's real output, then each fc as plain loops: a
// dot product per output, the bias, the activation and the fc's fake quantization, all in f32.
// At batch 1 an SE fc is at most 1152 x 48 multiply-adds; before, each ran as a oneDNN inner
// product with the activation as a post-op and then fake_quant_per_tensor, and the calls around
// the small products (primitive lookup, memory objects, a Var for the quantizer, a parallel
// region) cost more than the products: EfficientNet-B0's 16 gates took 40% of its int8 forward.
#include "train/qat/int8_se_gate.h"

#include <algorithm>
#include <cmath>

#include "core/cpu_clones.h"
#include "core/error.h"
#include "ops/int8/pool.h"

namespace minnow {
namespace {

// sum_i a[i] b[i] in 16 partial sums (lane j takes the i with i mod 16 = j), added in lane order
// at the end: every clone computes the same float.
MINNOW_CPU_CLONES float dot(const float* a, const float* b, int64_t n) {
  constexpr int64_t kLanes = 16;
  float part[kLanes] = {};
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
#pragma omp simd
    for (int64_t j = 0; j < kLanes; ++j) part[j] += a[i + j] * b[i + j];
  }
  for (int64_t j = 0; i < n; ++i, ++j) part[j] += a[i] * b[i];
  float sum = 0.f;
  for (const float p : part) sum += p;
  return sum;
}

// An fc with at least this many weights (256 KiB) reads them with every thread: streaming them
// from memory is most of its time (MobileNet-v3 large's 960 x 240 fcs).
constexpr int64_t kParallelWeights = int64_t{1} << 16;

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

// x: (N, I) f32 plain. Returns fq(act(x W^T + b)), (N, O) f32 plain, fq the fc's quantizer with
// zero point 0: clamp(round_half_even(v / scale), qmin, qmax) scale, v / scale taken as
// v * (1 / scale), as torch's fake quantization computes it.
Tensor run_fc(const Int8SeFc& fc, const Tensor& x) {
  MINNOW_CHECK(x.dtype() == DType::f32 && x.is_plain() && x.ndims() == 2, "Int8SeGate: ", fc.name,
               " expected a plain f32 input (N, I), got ", dtype_name(x.dtype()), " ", dims_str(x.dims()));
  MINNOW_CHECK(fc.weight.dtype() == DType::f32 && fc.weight.is_plain() && fc.weight.ndims() == 2 &&
                   fc.weight.dim(1) == x.dim(1) &&
                   (!fc.bias.defined() || (fc.bias.dtype() == DType::f32 && fc.bias.is_plain() &&
                                           fc.bias.dims() == Dims({fc.weight.dim(0)}))),
               "Int8SeGate: ", fc.name, " expected a plain f32 weight (O, ", x.dim(1), ") and bias (O) or none, got ",
               dims_str(fc.weight.dims()), " and ", fc.bias.defined() ? dims_str(fc.bias.dims()) : "none");
  MINNOW_CHECK(fc.scale > 0.f, "Int8SeGate: ", fc.name, " expected a quantizer scale > 0, got ", fc.scale);
  const int64_t n = x.dim(0), in = x.dim(1), out = fc.weight.dim(0);
  const float *px = x.data<float>(), *w = fc.weight.data<float>();
  const float* b = fc.bias.defined() ? fc.bias.data<float>() : nullptr;
  const float inv_scale = 1.f / fc.scale, qmin = static_cast<float>(fc.range.qmin),
              qmax = static_cast<float>(fc.range.qmax);
  Tensor y(plain_desc({n, out}));
  float* py = y.data<float>();
  for (int64_t s = 0; s < n; ++s)
#pragma omp parallel for if (in * out >= kParallelWeights)
    for (int64_t o = 0; o < out; ++o) {
      const float v = activate(fc.activation, dot(w + o * in, px + s * in, in) + (b ? b[o] : 0.f));
      py[s * out + o] = std::clamp(std::nearbyint(v * inv_scale), qmin, qmax) * fc.scale;
    }
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
