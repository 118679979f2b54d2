// Elementwise activations on oneDNN's eltwise primitives, forward and backward.
// Each accepts any f32 layout and returns its output (and x's gradient) in x's
// layout. The gradient at a kink follows PyTorch, except hardswish at x = -3 and
// x = 3, where oneDNN gives 0 and 1 (PyTorch: -0.5 and 1.5).
#pragma once

#include "core/var.h"

namespace minnow {

// y = max(x, 0); dx = dy where x > 0.
Var relu(const Var& x);
// y = min(max(x, 0), 6); dx = dy where 0 < x < 6.
Var relu6(const Var& x);
// y = x relu6(x + 3) / 6, as torch.nn.Hardswish; dx = dy (2x + 3) / 6 where -3 < x < 3, dy where x >= 3.
Var hardswish(const Var& x);
// y = relu6(x + 3) / 6, as torch.nn.Hardsigmoid; dx = dy / 6 where -3 < x < 3.
Var hardsigmoid(const Var& x);
// y = 1 / (1 + exp(-x)); dx = dy y (1 - y).
Var sigmoid(const Var& x);
// y = x sigmoid(x) (SiLU); dx = dy (s + x s (1 - s)) with s = sigmoid(x).
Var swish(const Var& x);

}  // namespace minnow
