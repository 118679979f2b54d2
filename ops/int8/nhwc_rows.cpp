// The AVX-512 loops take 16 channels at a time: 16 bytes widened to 16 int32 lanes (sign- or
// zero-extended by the input type), then either added to the channel sums or converted to f32,
// multiplied, clamped to the output's range (exact: the bounds are integers), rounded half to
// even by the conversion back to int32 and narrowed to bytes. The last C mod 16 channels use
// masked loads and stores, so no byte outside the tensor is touched.
#include "ops/int8/nhwc_rows.h"

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*(), which -Wmaybe-uninitialized
// reports inside the header (GCC bug 105593); the pragma covers the header's lines only. clang
// has no such warning.
#if !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <algorithm>
#include <limits>

#include "core/cpu_clones.h"
#include "core/cpu_features.h"
#include "ops/round_half_even.h"

namespace minnow::nhwc_rows {

namespace portable {
namespace {

template <class T>
inline void sum_rows_loop(const T* x, int64_t rows, int64_t channels, int32_t* acc) {
  for (int64_t p = 0; p < rows; ++p) {
    const T* row = x + p * channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; ++c) acc[c] += row[c];
  }
}

template <class In, class Out>
inline void scale_rows_loop(const In* x, int64_t rows, int64_t channels, const float* mult, Out* y) {
  constexpr float lo = std::numeric_limits<Out>::min(), hi = std::numeric_limits<Out>::max();
  for (int64_t p = 0; p < rows; ++p) {
    const In* row = x + p * channels;
    Out* out = y + p * channels;
#pragma omp simd
    for (int64_t c = 0; c < channels; ++c)
      out[c] = static_cast<Out>(round_half_even(std::clamp(static_cast<float>(row[c]) * mult[c], lo, hi)));
  }
}

}  // namespace

MINNOW_CPU_CLONES void sum_rows(const uint8_t* x, int64_t rows, int64_t channels, int32_t* acc) {
  sum_rows_loop(x, rows, channels, acc);
}
MINNOW_CPU_CLONES void sum_rows(const int8_t* x, int64_t rows, int64_t channels, int32_t* acc) {
  sum_rows_loop(x, rows, channels, acc);
}
MINNOW_CPU_CLONES void scale_rows(const uint8_t* x, int64_t rows, int64_t channels, const float* mult, uint8_t* y) {
  scale_rows_loop(x, rows, channels, mult, y);
}
MINNOW_CPU_CLONES void scale_rows(const uint8_t* x, int64_t rows, int64_t channels, const float* mult, int8_t* y) {
  scale_rows_loop(x, rows, channels, mult, y);
}
MINNOW_CPU_CLONES void scale_rows(const int8_t* x, int64_t rows, int64_t channels, const float* mult, uint8_t* y) {
  scale_rows_loop(x, rows, channels, mult, y);
}
MINNOW_CPU_CLONES void scale_rows(const int8_t* x, int64_t rows, int64_t channels, const float* mult, int8_t* y) {
  scale_rows_loop(x, rows, channels, mult, y);
}

}  // namespace portable

namespace avx512 {
namespace {

// The first n (at most 16) of the 16 lanes.
MINNOW_AVX512 __mmask16 lanes(int64_t n) { return static_cast<__mmask16>((1u << n) - 1u); }

// 16 bytes (those under mask; the others read as 0) widened to int32 lanes.
MINNOW_AVX512 __m512i load_widened(const uint8_t* x, __mmask16 mask) {
  return _mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(mask, x));
}
MINNOW_AVX512 __m512i load_widened(const int8_t* x, __mmask16 mask) {
  return _mm512_cvtepi8_epi32(_mm_maskz_loadu_epi8(mask, x));
}

template <class T>
MINNOW_AVX512 void sum_rows_loop(const T* x, int64_t rows, int64_t channels, int32_t* acc) {
  constexpr int64_t kBlock = 16;  // rows summed in registers before the sums go back to acc
  for (int64_t p0 = 0; p0 < rows; p0 += kBlock) {
    const int64_t p1 = std::min(rows, p0 + kBlock);
    for (int64_t c = 0; c < channels; c += 16) {
      const __mmask16 mask = lanes(std::min<int64_t>(16, channels - c));
      __m512i sum = _mm512_maskz_loadu_epi32(mask, acc + c);
      for (int64_t p = p0; p < p1; ++p) sum = _mm512_add_epi32(sum, load_widened(x + p * channels + c, mask));
      _mm512_mask_storeu_epi32(acc + c, mask, sum);
    }
  }
}

template <class In, class Out>
MINNOW_AVX512 void scale_rows_loop(const In* x, int64_t rows, int64_t channels, const float* mult, Out* y) {
  const __m512 lo = _mm512_set1_ps(std::numeric_limits<Out>::min());
  const __m512 hi = _mm512_set1_ps(std::numeric_limits<Out>::max());
  for (int64_t p = 0; p < rows; ++p) {
    const In* row = x + p * channels;
    Out* out = y + p * channels;
    for (int64_t c = 0; c < channels; c += 16) {
      const __mmask16 mask = lanes(std::min<int64_t>(16, channels - c));
      const __m512 q_in = _mm512_cvtepi32_ps(load_widened(row + c, mask));
      const __m512 v = _mm512_mul_ps(q_in, _mm512_maskz_loadu_ps(mask, mult + c));
      const __m512 clamped = _mm512_min_ps(_mm512_max_ps(v, lo), hi);
      const __m512i q = _mm512_cvt_roundps_epi32(clamped, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      _mm512_mask_cvtepi32_storeu_epi8(out + c, mask, q);  // in range, so truncation keeps the value
    }
  }
}

}  // namespace

MINNOW_AVX512 void sum_rows(const uint8_t* x, int64_t rows, int64_t channels, int32_t* acc) {
  sum_rows_loop(x, rows, channels, acc);
}
MINNOW_AVX512 void sum_rows(const int8_t* x, int64_t rows, int64_t channels, int32_t* acc) {
  sum_rows_loop(x, rows, channels, acc);
}
MINNOW_AVX512 void scale_rows(const uint8_t* x, int64_t rows, int64_t channels, const float* mult, uint8_t* y) {
  scale_rows_loop(x, rows, channels, mult, y);
}
MINNOW_AVX512 void scale_rows(const uint8_t* x, int64_t rows, int64_t channels, const float* mult, int8_t* y) {
  scale_rows_loop(x, rows, channels, mult, y);
}
MINNOW_AVX512 void scale_rows(const int8_t* x, int64_t rows, int64_t channels, const float* mult, uint8_t* y) {
  scale_rows_loop(x, rows, channels, mult, y);
}
MINNOW_AVX512 void scale_rows(const int8_t* x, int64_t rows, int64_t channels, const float* mult, int8_t* y) {
  scale_rows_loop(x, rows, channels, mult, y);
}

}  // namespace avx512

}  // namespace minnow::nhwc_rows
