// Int8SeGate::forward: the int8 global pooling's real output, then each fc as plain loops: the
// products of the input and the int8 weights accumulated into every output at once, then the
// weight scale, the bias, the activation and the fc's fake quantization, all in f32.
// At batch 1 an SE fc is at most 960 x 240 multiply-adds, and reading its weights from memory is
// most of its time (they are cold after the convs between two gates): hence int8 weights. Before,
// each fc ran as a oneDNN inner product and then fake_quant_per_tensor, and the calls around the
// small products (primitive lookup, memory objects, a Var for the quantizer, a parallel region) cost
// more than the products: EfficientNet-B0's 16 gates took 40% of its int8 forward.
#include "train/qat/int8_se_gate.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include <omp.h>

#include "core/cpu_clones.h"
#include "core/error.h"
#include "ops/int8/pool.h"
#include "ops/round_half_even.h"

namespace minnow {
namespace {

// acc[o] += sum_i x[i] q_t[i, o] for o in [begin, end). The inputs go in blocks of 8, each block's
// products summed as a fixed tree before joining acc[o], so that acc makes one trip through memory
// per 8 inputs (one per input made the loop wait on its own stores). The code alone fixes the order
// of every sum, so every clone computes the same float.
MINNOW_CPU_CLONES void accumulate(const float* x, const int8_t* q_t, int64_t in, int64_t out, int64_t begin,
                                  int64_t end, float* acc) {
  const auto w = [&](int64_t i, int64_t o) { return static_cast<float>(q_t[i * out + o]); };
  int64_t i = 0;
  for (; i + 8 <= in; i += 8) {
    const float x0 = x[i], x1 = x[i + 1], x2 = x[i + 2], x3 = x[i + 3];
    const float x4 = x[i + 4], x5 = x[i + 5], x6 = x[i + 6], x7 = x[i + 7];
#pragma omp simd
    for (int64_t o = begin; o < end; ++o) {
      const float low = (x0 * w(i, o) + x1 * w(i + 1, o)) + (x2 * w(i + 2, o) + x3 * w(i + 3, o));
      const float high = (x4 * w(i + 4, o) + x5 * w(i + 5, o)) + (x6 * w(i + 6, o) + x7 * w(i + 7, o));
      acc[o] += low + high;
    }
  }
  for (; i < in; ++i) {
    const float xi = x[i];
#pragma omp simd
    for (int64_t o = begin; o < end; ++o) acc[o] += xi * w(i, o);
  }
}

// y[o] = fq(v[o]) over n values: clamp(round_half_even(v / scale), qmin, qmax) scale, v / scale taken
// as v * (1 / scale), as torch's fake quantization computes it (zero point 0).
MINNOW_CPU_CLONES void fake_quantize(const float* v, int64_t n, float scale, QuantRange r, float* y) {
  const float inv_scale = 1.f / scale, qmin = static_cast<float>(r.qmin), qmax = static_cast<float>(r.qmax);
#pragma omp simd
  for (int64_t o = 0; o < n; ++o) {
    const float q = round_half_even(v[o] * inv_scale);
    y[o] = (q < qmin ? qmin : (qmax < q ? qmax : q)) * scale;
  }
}

// An fc with at least this many weights (64 KiB) reads them with every thread: streaming them
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

// x: (N, I) f32 plain. Returns fq(act(b + W x)), (N, O) f32 plain, with W x computed as
// w_scales[o] sum_i x[i] q[o, i], fq the fc's quantizer.
Tensor run_fc(const Int8SeFc& fc, const Tensor& x) {
  MINNOW_CHECK(x.dtype() == DType::f32 && x.is_plain() && x.ndims() == 2, "Int8SeGate: ", fc.name,
               " expected a plain f32 input (N, I), got ", dtype_name(x.dtype()), " ", dims_str(x.dims()));
  const Tensor& q_t = fc.q_t;
  MINNOW_CHECK(q_t.dtype() == DType::s8 && q_t.is_plain() && q_t.ndims() == 2 && q_t.dim(0) == x.dim(1) &&
                   static_cast<int64_t>(fc.w_scales.size()) == q_t.dim(1) && fc.bias.defined() &&
                   fc.bias.dtype() == DType::f32 && fc.bias.is_plain() && fc.bias.dims() == Dims({q_t.dim(1)}),
               "Int8SeGate: ", fc.name, " expected s8 weights (", x.dim(1), ", O), O weight scales and an f32 bias ",
               "(O), got ", dims_str(q_t.dims()), ", ", fc.w_scales.size(), " and ",
               fc.bias.defined() ? dims_str(fc.bias.dims()) : "none");
  MINNOW_CHECK(fc.scale > 0.f, "Int8SeGate: ", fc.name, " expected a quantizer scale > 0, got ", fc.scale);
  const int64_t n = x.dim(0), in = q_t.dim(0), out = q_t.dim(1);
  const float *px = x.data<float>(), *b = fc.bias.data<float>();
  const int8_t* pq = q_t.data<int8_t>();
  Tensor y(plain_desc({n, out}));
  float* py = y.data<float>();
  for (int64_t s = 0; s < n; ++s) {
    float* acc = py + s * out;
    std::fill(acc, acc + out, 0.f);
    if (in * out < kParallelWeights) {
      accumulate(px + s * in, pq, in, out, 0, out, acc);
    } else {
#pragma omp parallel
      {  // each thread a contiguous run of 16-output blocks
        const int64_t threads = omp_get_num_threads(), t = omp_get_thread_num(), blocks = (out + 15) / 16;
        const int64_t begin = std::min(out, blocks * t / threads * 16);
        const int64_t end = std::min(out, blocks * (t + 1) / threads * 16);
        accumulate(px + s * in, pq, in, out, begin, end, acc);
      }
    }
    for (int64_t o = 0; o < out; ++o) acc[o] = activate(fc.activation, acc[o] * fc.w_scales[o] + b[o]);
    fake_quantize(acc, out, fc.scale, fc.range, acc);
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

Tensor Int8SeFc::weight() const {
  const int64_t in = q_t.dim(0), out = q_t.dim(1);
  const int8_t* q = q_t.data<int8_t>();
  std::vector<float> w(static_cast<size_t>(out * in));
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i)
      w[static_cast<size_t>(o * in + i)] = w_scales[static_cast<size_t>(o)] * static_cast<float>(q[i * out + o]);
  return Tensor::from_plain({out, in}, w);
}

Tensor se_fc_weights(const Tensor& w, const std::vector<float>& w_scales) {
  MINNOW_CHECK(w.ndims() == 2, "se_fc_weights: expected a weight (O, I), got ", dims_str(w.dims()));
  const Tensor q = quantize_weights(w, w_scales);  // s8 (O, I)
  const int64_t out = q.dim(0), in = q.dim(1);
  Tensor q_t(plain_desc({in, out}, DType::s8));
  const int8_t* src = q.data<int8_t>();
  int8_t* dst = q_t.data<int8_t>();
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i) dst[i * out + o] = src[o * in + i];
  return q_t;
}

}  // namespace minnow
