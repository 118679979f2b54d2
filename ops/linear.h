// Fully connected layer on oneDNN's inner product: y = x w^T + b, with the
// weight kept in PyTorch's nn.Linear shape and plain layout, so checkpoints
// and exports see torch's layout without a reorder.
#pragma once

#include "core/var.h"

namespace minnow {

// x: (N, K); w: (M, K); b: (M) or an undefined Var. Returns y: (N, M), plain.
// dx = dy w, dw = dy^T x, db = sum over N of dy.
Var linear(const Var& x, const Var& w, const Var& b);

}  // namespace minnow
