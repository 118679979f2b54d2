// The two sums of batch_norm_relu6, portable and AVX-512 (see the header). GCC 12 keeps the
// portable loop's 16 running sums in memory, reloading them at every position; the intrinsics
// keep them in two registers.
#include "ops/batch_norm_relu6_sums.h"

#include <immintrin.h>

#include <algorithm>

#include "core/cpu_clones.h"

namespace minnow::bn_relu6 {
namespace portable {

MINNOW_CPU_CLONES void moments(const float* x, int64_t hw, const float* shift, double* s1, double* s2) {
  for (int64_t s0 = 0; s0 < hw; s0 += kRun) {
    float r1[kLanes] = {}, r2[kLanes] = {};
    for (int64_t s = s0; s < std::min(hw, s0 + kRun); ++s)
#pragma omp simd
      for (int64_t l = 0; l < kLanes; ++l) {
        const float d = x[s * kLanes + l] - shift[l];
        r1[l] += d;
        r2[l] += d * d;
      }
    for (int64_t l = 0; l < kLanes; ++l) {
      s1[l] += r1[l];
      s2[l] += r2[l];
    }
  }
}

MINNOW_CPU_CLONES void gradient_sums(const float* x, const float* dy, int64_t hw, const float* mean, const float* rstd,
                                     const float* scale, const float* beta, double* sg, double* sgx) {
  for (int64_t s0 = 0; s0 < hw; s0 += kRun) {
    float r1[kLanes] = {}, r2[kLanes] = {};
    for (int64_t s = s0; s < std::min(hw, s0 + kRun); ++s)
#pragma omp simd
      for (int64_t l = 0; l < kLanes; ++l) {
        const float centred = x[s * kLanes + l] - mean[l];
        const float v = centred * scale[l] + beta[l];
        const float g = v > 0.0f && v < 6.0f ? dy[s * kLanes + l] : 0.0f;
        r1[l] += g;
        r2[l] += g * (centred * rstd[l]);
      }
    for (int64_t l = 0; l < kLanes; ++l) {
      sg[l] += r1[l];
      sgx[l] += r2[l];
    }
  }
}

}  // namespace portable

namespace avx512 {

namespace {

MINNOW_AVX512 void add_to(double* sums, __m512 v) {
  alignas(64) float lanes[kLanes];
  _mm512_store_ps(lanes, v);
  for (int64_t l = 0; l < kLanes; ++l) sums[l] += lanes[l];
}

}  // namespace

MINNOW_AVX512 void moments(const float* x, int64_t hw, const float* shift, double* s1, double* s2) {
  const __m512 k = _mm512_loadu_ps(shift);
  for (int64_t s0 = 0; s0 < hw; s0 += kRun) {
    __m512 r1 = _mm512_setzero_ps(), r2 = _mm512_setzero_ps();
    for (int64_t s = s0; s < std::min(hw, s0 + kRun); ++s) {
      const __m512 d = _mm512_sub_ps(_mm512_loadu_ps(x + s * kLanes), k);
      r1 = _mm512_add_ps(r1, d);
      r2 = _mm512_add_ps(r2, _mm512_mul_ps(d, d));
    }
    add_to(s1, r1);
    add_to(s2, r2);
  }
}

MINNOW_AVX512 void gradient_sums(const float* x, const float* dy, int64_t hw, const float* mean, const float* rstd,
                                 const float* scale, const float* beta, double* sg, double* sgx) {
  const __m512 mu = _mm512_loadu_ps(mean), r = _mm512_loadu_ps(rstd), a = _mm512_loadu_ps(scale),
               b = _mm512_loadu_ps(beta), zero = _mm512_setzero_ps(), six = _mm512_set1_ps(6.0f);
  for (int64_t s0 = 0; s0 < hw; s0 += kRun) {
    __m512 r1 = _mm512_setzero_ps(), r2 = _mm512_setzero_ps();
    for (int64_t s = s0; s < std::min(hw, s0 + kRun); ++s) {
      const __m512 centred = _mm512_sub_ps(_mm512_loadu_ps(x + s * kLanes), mu);
      const __m512 v = _mm512_add_ps(_mm512_mul_ps(centred, a), b);
      const __mmask16 inside = _mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ) & _mm512_cmp_ps_mask(v, six, _CMP_LT_OQ);
      const __m512 g = _mm512_maskz_loadu_ps(inside, dy + s * kLanes);
      r1 = _mm512_add_ps(r1, g);
      r2 = _mm512_add_ps(r2, _mm512_mul_ps(g, _mm512_mul_ps(centred, r)));
    }
    add_to(sg, r1);
    add_to(sgx, r2);
  }
}

}  // namespace avx512


void moments(const float* x, int64_t hw, const float* shift, double* s1, double* s2) {
  if (cpu_has_avx512_bw())
    avx512::moments(x, hw, shift, s1, s2);
  else
    portable::moments(x, hw, shift, s1, s2);
}

void gradient_sums(const float* x, const float* dy, int64_t hw, const float* mean, const float* rstd,
                   const float* scale, const float* beta, double* sg, double* sgx) {
  if (cpu_has_avx512_bw())
    avx512::gradient_sums(x, dy, hw, mean, rstd, scale, beta, sg, sgx);
  else
    portable::gradient_sums(x, dy, hw, mean, rstd, scale, beta, sg, sgx);
}

}  // namespace minnow::bn_relu6
