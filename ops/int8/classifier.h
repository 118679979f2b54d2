// The converted model's classifier: an f32 Linear on the dequantized pooled features.
// The layer is a tiny share of a small CNN's work, so it keeps full precision.
#pragma once

#include "ops/int8/qtensor.h"

namespace minnow {

// features: (N, K) or (N, K, 1, 1) as global pooling returns, u8/s8 or f32 (real
// value scale * data); w: f32 (M, K) (nn.Linear's shape); b: f32 (M) or undefined.
// Returns the f32 logits (N, M) = dequantize(features) w^T + b, plain.
Tensor dequantized_linear(const QTensor& features, const Tensor& w, const Tensor& b);

}  // namespace minnow
