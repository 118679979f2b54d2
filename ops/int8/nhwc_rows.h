// Loops over the pixel rows of an nhwc int8 tensor, one row holding C channels, each with one
// value per channel: sum_rows adds the rows up (the pooling of a squeeze-and-excitation gate) and
// scale_rows requantizes every row by one multiplier per channel (the gate's product). Each has a
// portable loop and an AVX-512 one (16 channels per vector, the tail masked) that computes the
// same integers; the fast one runs where the CPU has AVX-512 F, BW and VL. GCC 12 compiles the
// portable byte -> float -> byte loop to 128- and 256-bit moves with two-step widening even in
// its AVX-512 clone (objdump), hence the intrinsics.
#pragma once

#include <cstdint>

#include "core/cpu_features.h"

namespace minnow::nhwc_rows {

// The two implementations, named so that tests can hold each to the definition. The portable
// loops are built for AVX-512, AVX2 and baseline x86-64 (core/cpu_clones.h); the AVX-512 ones
// run only where cpu_has_avx512_bw().
namespace portable {
void sum_rows(const uint8_t* x, int64_t rows, int64_t channels, int32_t* acc);
void sum_rows(const int8_t* x, int64_t rows, int64_t channels, int32_t* acc);
void scale_rows(const uint8_t* x, int64_t rows, int64_t channels, const float* mult, uint8_t* y);
void scale_rows(const uint8_t* x, int64_t rows, int64_t channels, const float* mult, int8_t* y);
void scale_rows(const int8_t* x, int64_t rows, int64_t channels, const float* mult, uint8_t* y);
void scale_rows(const int8_t* x, int64_t rows, int64_t channels, const float* mult, int8_t* y);
}  // namespace portable
namespace avx512 {
MINNOW_AVX512 void sum_rows(const uint8_t* x, int64_t rows, int64_t channels, int32_t* acc);
MINNOW_AVX512 void sum_rows(const int8_t* x, int64_t rows, int64_t channels, int32_t* acc);
MINNOW_AVX512 void scale_rows(const uint8_t* x, int64_t rows, int64_t channels, const float* mult, uint8_t* y);
MINNOW_AVX512 void scale_rows(const uint8_t* x, int64_t rows, int64_t channels, const float* mult, int8_t* y);
MINNOW_AVX512 void scale_rows(const int8_t* x, int64_t rows, int64_t channels, const float* mult, uint8_t* y);
MINNOW_AVX512 void scale_rows(const int8_t* x, int64_t rows, int64_t channels, const float* mult, int8_t* y);
}  // namespace avx512

// acc[c] += sum over p < rows of x[p * channels + c]. Exact in int32 for fewer than 2^23 rows.
template <class T>
void sum_rows(const T* x, int64_t rows, int64_t channels, int32_t* acc) {
  if (cpu_has_avx512_bw())
    avx512::sum_rows(x, rows, channels, acc);
  else
    portable::sum_rows(x, rows, channels, acc);
}

// y[p * channels + c] = saturate(round_half_even(x[p * channels + c] * mult[c])) for p < rows, the
// product in f32, saturated to Out's range. x and y may be the same buffer.
template <class In, class Out>
void scale_rows(const In* x, int64_t rows, int64_t channels, const float* mult, Out* y) {
  if (cpu_has_avx512_bw())
    avx512::scale_rows(x, rows, channels, mult, y);
  else
    portable::scale_rows(x, rows, channels, mult, y);
}

}  // namespace minnow::nhwc_rows
