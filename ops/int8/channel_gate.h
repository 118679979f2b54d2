// int8_gate_channels: the product of a squeeze-and-excitation block in a converted model,
// an int8 tensor times a real gate per (sample, channel), requantized in one pass over the
// integers, so the big tensor never leaves int8. Inference only.
#pragma once

#include "ops/int8/qtensor.h"

namespace minnow {

// x: (N, C, H, W) u8 or s8 in any layout; gate: (N, C) f32 plain. Returns (N, C, H, W) nhwc
// of out_type (u8 or s8) with scale out_scale:
//   q_out = saturate(round_half_even(q_in * (x.scale * gate[n, c] / out_scale))).
QTensor int8_gate_channels(const QTensor& x, const Tensor& gate, DType out_type, float out_scale);

// The same, written over x's integers when x is their only holder, nhwc, and of out_type.
QTensor int8_gate_channels(QTensor&& x, const Tensor& gate, DType out_type, float out_scale);

}  // namespace minnow
