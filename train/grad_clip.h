// Global gradient-norm clipping, as torch.nn.utils.clip_grad_norm_ with the L2 norm:
// the norm over all gradients together (accumulated in double, in a fixed order so the
// result does not depend on the thread count), and a rescale when it exceeds the limit.
#pragma once

#include "train/optimizer.h"

namespace minnow {

// The L2 norm of all defined gradients of params, as if concatenated.
double grad_norm(const NamedParams& params);

// Scales every gradient by max_norm / (norm + 1e-6) when norm > max_norm, and returns
// the norm before clipping. A non-finite norm is returned as is, with nothing scaled.
// Scaled gradients are new tensors (gradient storage may be shared), same layout.
double clip_grad_norm(const NamedParams& params, double max_norm);

}  // namespace minnow
