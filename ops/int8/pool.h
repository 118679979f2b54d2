// Int8 global average pooling for a converted model's head: u8/s8 in, the
// mean over H and W out, either real (f32) or requantized to u8/s8. Inference only.
#pragma once

#include "ops/int8/qtensor.h"

namespace minnow {

// x: (N, C, H, W) u8 or s8 in any layout (nhwc, as Int8Conv returns it, runs oneDNN's jit
// int8 pooling when out_type is x's type). Returns (N, C, 1, 1) in the layout oneDNN picks:
// f32 real means x.scale * mean(q) with scale 1 (out_scale ignored), or for u8/s8
// saturate(round_half_even(x.scale * mean(q) / out_scale)) with scale out_scale.
QTensor int8_global_avg_pool(const QTensor& x, DType out_type, float out_scale = 1.f);

}  // namespace minnow
