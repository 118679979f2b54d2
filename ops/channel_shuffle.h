// ShuffleNet's channel shuffle on oneDNN's shuffle primitive, in the input's layout.
#pragma once

#include "core/var.h"

namespace minnow {

// x: (N, C, H, W) viewed as (N, g, C/g, H, W), transposed to (N, C/g, g, H, W) and
// flattened back: y[:, i g + j] = x[:, j (C/g) + i]. Backward is the inverse shuffle.
Var channel_shuffle(const Var& x, int64_t groups);

}  // namespace minnow
