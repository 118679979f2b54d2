// QTensor: an int8 activation (u8 or s8, any oneDNN layout) with its per-tensor
// scale, real = scale * q (zero point 0), and the conversions between f32 and it.
// Conversions run on oneDNN reorders: round half to even, saturating.
// These are inference-only values; nothing here records on the autograd tape.
#pragma once

#include <vector>

#include "core/tensor.h"

namespace minnow {

struct QTensor {
  Tensor data;        // (N, C, H, W) or (N, K): u8 or s8; f32 only for a layer's real-valued output
  float scale = 1.f;  // real = scale * data; 1 for f32 data
};

// q = saturate(round_half_even(x / scale)) in type (u8 or s8), in x's layout.
// u8 suits non-negative tensors (after ReLU/ReLU6), s8 signed ones. scale > 0.
QTensor quantize(const Tensor& x_f32, float scale, DType type);
// The same, written straight into layout md (u8 or s8; the layout the next kernel runs on),
// in one reorder.
QTensor quantize(const Tensor& x_f32, float scale, const dnnl::memory::desc& md);

// x = scale * q as f32, in q's layout.
Tensor dequantize(const QTensor& q);

// Per-output-channel symmetric weight quantization, the scheme Int8Conv expects:
// w: f32 (O, ...) plain, w_scales: (O) positive; returns s8 (O, ...) plain with
// q[o, ...] = saturate(round_half_even(w[o, ...] / w_scales[o])).
Tensor quantize_weights(const Tensor& w_f32, const std::vector<float>& w_scales);

}  // namespace minnow
