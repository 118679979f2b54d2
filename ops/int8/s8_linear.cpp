// s8_linear: the products of the input and the int8 weights accumulated into every output at
// once (the weights transposed, a row per input), then the scale and the bias per output.
#include "ops/int8/s8_linear.h"

#include <algorithm>
#include <cstdint>
#include <string>

#include <omp.h>

#include "core/cpu_clones.h"
#include "core/error.h"
#include "ops/int8/qtensor.h"

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

// A layer with at least this many weights (64 KiB) is read by every thread: streaming the weights
// from memory is most of its time (MobileNet-v3 large's 960 x 240 fcs).
constexpr int64_t kParallelWeights = int64_t{1} << 16;

}  // namespace

S8Weights S8Weights::from(const Tensor& w, const std::vector<float>& w_scales) {
  MINNOW_CHECK(w.ndims() == 2, "S8Weights: expected a weight (O, I), got ", dims_str(w.dims()));
  const Tensor q = quantize_weights(w, w_scales);  // s8 (O, I), saturated
  const int64_t out = q.dim(0), in = q.dim(1);
  S8Weights s8{Tensor(plain_desc({in, out}, DType::s8)), w_scales};
  const int8_t* src = q.data<int8_t>();
  int8_t* dst = s8.q_t.data<int8_t>();
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i) dst[i * out + o] = src[o * in + i];
  const std::vector<float> given = w.to_plain(), back = s8.weight().to_plain();
  const auto off = std::mismatch(given.begin(), given.end(), back.begin());
  MINNOW_CHECK(off.first == given.end(), "S8Weights: weight [", (off.first - given.begin()) / in, ", ",
               (off.first - given.begin()) % in, "] = ", off.first == given.end() ? 0.f : *off.first,
               " is not its row's scale times an integer in [-128, 127]");
  return s8;
}

Tensor S8Weights::weight() const {
  const int64_t n_in = in(), n_out = out();
  const int8_t* q = q_t.data<int8_t>();
  Tensor w(plain_desc({n_out, n_in}));
  float* pw = w.data<float>();
  for (int64_t o = 0; o < n_out; ++o)
    for (int64_t i = 0; i < n_in; ++i)
      pw[o * n_in + i] = w_scales[static_cast<size_t>(o)] * static_cast<float>(q[i * n_out + o]);
  return w;
}

Tensor s8_linear(const Tensor& x, const S8Weights& w, const Tensor& bias) {
  const Tensor& q_t = w.q_t;
  MINNOW_CHECK(x.dtype() == DType::f32 && x.is_plain() && x.ndims() == 2, "s8_linear: expected a plain f32 input ",
               "(N, I), got ", dtype_name(x.dtype()), " ", dims_str(x.dims()));
  MINNOW_CHECK(q_t.dtype() == DType::s8 && q_t.is_plain() && q_t.ndims() == 2 && q_t.dim(0) == x.dim(1) &&
                   static_cast<int64_t>(w.w_scales.size()) == q_t.dim(1),
               "s8_linear: expected s8 weights (", x.dim(1), ", O) and O scales, got ", dims_str(q_t.dims()),
               " and ", w.w_scales.size());
  MINNOW_CHECK(!bias.defined() || (bias.dtype() == DType::f32 && bias.is_plain() && bias.dims() == Dims({q_t.dim(1)})),
               "s8_linear: expected an f32 bias (", q_t.dim(1), ") or none, got ", dims_str(bias.dims()));
  const int64_t n = x.dim(0), in = q_t.dim(0), out = q_t.dim(1);
  const float* px = x.data<float>();
  const float* b = bias.defined() ? bias.data<float>() : nullptr;
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
    for (int64_t o = 0; o < out; ++o) acc[o] = acc[o] * w.w_scales[static_cast<size_t>(o)] + (b ? b[o] : 0.f);
  }
  return y;
}

}  // namespace minnow
