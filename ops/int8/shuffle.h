// Int8 channel shuffle for ShuffleNet: the f32 channel_shuffle's permutation on a
// QTensor, y[:, i g + j] = x[:, j (C/g) + i] for g groups, in x's type, layout and
// scale (a permutation needs no requantization). Inference only.
#pragma once

#include <string>

#include "ops/int8/qtensor.h"

namespace minnow {

// x: (N, C, H, W) u8 or s8 in any layout, groups >= 1 dividing C. Returns x's dims,
// type, layout and scale.
QTensor int8_channel_shuffle(const QTensor& x, int64_t groups);

// The oneDNN implementation int8_channel_shuffle(x, groups) runs, e.g. "jit:uni".
std::string int8_channel_shuffle_impl(const QTensor& x, int64_t groups);

}  // namespace minnow
