// Elementwise add and mul on oneDNN's binary primitive, with the channel-wise
// broadcast of an SE block's scale. The output keeps a's layout, and each
// gradient comes back in its input's layout.
#pragma once

#include "core/var.h"

namespace minnow {

// a: (N, C, H, W) in any layout; b: a's dims, or (N, C, 1, 1) or (1, C, 1, 1),
// broadcast over the axes where it has 1. 2-D (N, K) operands need equal dims.
// A b with a's dims in another layout is reordered to a's layout (a counted reorder).

// y = a + b; da = dy, db = dy summed over b's broadcast axes.
Var add(const Var& a, const Var& b);
// y = a b; da = dy b, db = dy a summed over b's broadcast axes.
Var mul(const Var& a, const Var& b);

}  // namespace minnow
