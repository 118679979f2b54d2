// concat and split along one axis, each the other's backward. Outputs keep the
// inputs' layout (a blocked nChw16c input gives blocked outputs); oneDNN's concat
// primitive joins, sub-memory views plus reorders cut.
#pragma once

#include <vector>

#include "core/var.h"

namespace minnow {

// xs: (N, C_i, H, W) with equal N, H, W (any dims equal except along axis).
// Returns (N, sum C_i, H, W) in the layout of the first input that is not plain.
Var concat(const std::vector<Var>& xs, int axis = 1);

// Splits x along axis into pieces of the given sizes (sum = x.dim(axis)), each in
// x's layout. Backward concatenates the piece gradients.
std::vector<Var> split(const Var& x, const std::vector<int64_t>& sizes, int axis = 1);

}  // namespace minnow
