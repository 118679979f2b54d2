// Int8 elementwise add of two QTensors with requantization: a sum of two quantized values,
// which no convolution's sum post-op (Int8PostOp::sum) computes. Inference only.
#pragma once

#include "ops/int8/qtensor.h"

namespace minnow {

// a, b: u8/s8 QTensors of equal dims, in any layouts (b moves to a's layout if they differ).
// y = a.scale a + b.scale b (then max(y, 0) when relu), returned in a's layout as
// out_type: u8/s8 saturate(round_half_even(y / out_scale)) with scale out_scale, or
// f32 y with scale 1.
QTensor int8_add(const QTensor& a, const QTensor& b, DType out_type, float out_scale, bool relu = false);

}  // namespace minnow
