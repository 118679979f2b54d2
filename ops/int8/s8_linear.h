// s8_linear: an f32 linear layer over int8 weights with a scale per output,
//   y[n, o] = w_scales[o] sum_i x[n, i] q[o, i] + b[o],
// for a weight a symmetric per-output quantizer made, w[o, i] = w_scales[o] q[o, i] (the QAT
// model's fake-quantized weights). At batch 1 such a layer (a squeeze-and-excitation fc,
// MobileNet-v3's classifier) is one pass over its weights, cold after the convs before it:
// holding q, a quarter of w's bytes, is most of the gain.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace minnow {

struct S8Weights {
  // q transposed, s8 (I, O): input i's weights to every output are one contiguous row, which
  // s8_linear reads in one vector pass.
  Tensor q_t;
  std::vector<float> w_scales;  // (O), > 0

  // From w, plain f32 (O, I), and its per-output scales (O): q = w / w_scales[o], which must
  // be integers in [-128, 127] that give w back exactly (else an error naming the first that
  // does not).
  static S8Weights from(const Tensor& w, const std::vector<float>& w_scales);
  // w, f32 (O, I): w_scales[o] q_t[i, o].
  Tensor weight() const;
  int64_t in() const { return q_t.dim(0); }
  int64_t out() const { return q_t.dim(1); }
};

// x: plain f32 (N, I); bias: f32 (O) or undefined. Returns y plain f32 (N, O) as above, each
// output's sum over i in a fixed order (blocks of 8 inputs, a fixed tree in each), the same float
// on every CPU.
Tensor s8_linear(const Tensor& x, const S8Weights& w, const Tensor& bias);

}  // namespace minnow
