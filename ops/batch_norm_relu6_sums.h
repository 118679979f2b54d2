// The sums of batch_norm_relu6 (ops/batch_norm_relu6.h) over one (image, block) pair of an
// nChw16c f32 map: hw positions of 16 channels side by side. Each lane's sum is taken in float
// over runs of kRun positions, and each run's float added to the lane's double. Each has a
// portable loop (built for AVX-512, AVX2 and baseline x86-64, core/cpu_clones.h) and an AVX-512
// one that computes the same floats: the same operations lane by lane, in the same order, no
// fused multiply-add. The AVX-512 one runs where cpu_has_avx512_bw().
#pragma once

#include <cstdint>

#include "core/cpu_features.h"

namespace minnow::bn_relu6 {

inline constexpr int64_t kLanes = 16;
inline constexpr int64_t kRun = 64;  // positions summed in float before a double add

// s1 += sum (x - shift), s2 += sum (x - shift)^2 per lane: the forward's statistics.
void moments(const float* x, int64_t hw, const float* shift, double* s1, double* s2);
// sg += sum g, sgx += sum g xhat per lane, with xhat = (x - mean) rstd, v = (x - mean) scale + beta
// the forward's value before the clip, and g = dy where 0 < v < 6, else 0: the backward's sums.
void gradient_sums(const float* x, const float* dy, int64_t hw, const float* mean, const float* rstd,
                   const float* scale, const float* beta, double* sg, double* sgx);

// The two implementations, named so that tests can hold them to each other.
namespace portable {
void moments(const float* x, int64_t hw, const float* shift, double* s1, double* s2);
void gradient_sums(const float* x, const float* dy, int64_t hw, const float* mean, const float* rstd,
                   const float* scale, const float* beta, double* sg, double* sgx);
}  // namespace portable
namespace avx512 {
MINNOW_AVX512 void moments(const float* x, int64_t hw, const float* shift, double* s1, double* s2);
MINNOW_AVX512 void gradient_sums(const float* x, const float* dy, int64_t hw, const float* mean, const float* rstd,
                                 const float* scale, const float* beta, double* sg, double* sgx);
}  // namespace avx512

}  // namespace minnow::bn_relu6
