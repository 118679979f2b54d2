// Int8 channel split for ShuffleNet v2's halves: y_i = x[:, o_i : o_i + s_i] with
// o_i the sum of the sizes before it, in x's type and scale (a copy, no requantization).
// Inference only.
#pragma once

#include <string>
#include <vector>

#include "ops/int8/qtensor.h"

namespace minnow {

// x: (N, C, H, W) u8 or s8 in any blocked layout; sizes: positive, summing to C. Each piece
// is a dense (N, s_i, H, W) in x's format (nhwc stays nhwc; a blocked layout stays blocked
// when no piece cuts through a block, else the pieces are nhwc), with x's scale.
std::vector<QTensor> int8_split(const QTensor& x, const std::vector<int64_t>& sizes);

// The oneDNN implementations of int8_split(x, sizes)'s copies, one per piece, ", "-joined.
std::string int8_split_impl(const QTensor& x, const std::vector<int64_t>& sizes);

}  // namespace minnow
