// reshape and flatten: the same elements in row-major order under new dims.
#pragma once

#include "core/var.h"

namespace minnow {

// y: x's elements in plain row-major order under dims (one entry may be -1, inferred).
// A plain x is viewed without a copy; a blocked x is first reordered to plain (counted).
// Backward reshapes dy back to x's dims and layout.
Var reshape(const Var& x, const Dims& dims);

// (N, d1, d2, ...) -> (N, d1 * d2 * ...).
Var flatten(const Var& x);

}  // namespace minnow
