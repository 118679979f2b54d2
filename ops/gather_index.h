// Gather by index: the weight of a weight-shared layer (Deep Compression) read from its
// codebook. Forward and backward as hand loops (oneDNN has no gather):
//   y[i] = codebook[indices[i]]
//   dcodebook[k] = sum over the i with indices[i] = k of dy[i]   (each centroid's members' gradients)
// The indices are data, not a differentiable input.
#pragma once

#include "core/var.h"

namespace minnow {

// codebook: (K) f32; indices: u8 of any dims, plain, every value < K.
// Returns y with the indices' dims, plain f32.
Var gather_by_index(const Var& codebook, const Tensor& indices);

}  // namespace minnow
