// Int8 channel concatenation (ShuffleNet's and SqueezeNet's concats):
// y = [p_0, p_1, ...] along channels, requantized to one type and scale:
//   y = saturate(round_half_even(p_i.scale / out_scale * q_i)) in out_type.
// A u8 output of s8 parts clamps at 0: that is a concat followed by ReLU. Inference only.
#pragma once

#include <string>
#include <vector>

#include "ops/int8/qtensor.h"

namespace minnow {

// parts: (N, C_i, H, W) u8 or s8 in any blocked layouts, equal but for C_i, positive scales;
// out_type u8 or s8, out_scale > 0. Returns (N, sum C_i, H, W) nhwc (the int8 convs' layout)
// of out_type with scale out_scale.
QTensor int8_concat(const std::vector<QTensor>& parts, DType out_type, float out_scale);

// The implementations int8_concat(parts, ...) runs: "minnow:copy_rows" (nhwc parts of the
// output's type and scale), or oneDNN's requantizing reorders' (one per part, ", "-joined).
std::string int8_concat_impl(const std::vector<QTensor>& parts, DType out_type, float out_scale);

}  // namespace minnow
