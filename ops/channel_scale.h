// scale_channels: every slice along axis 0 multiplied by its own constant,
// y[c, ...] = x[c, ...] s[c], dx = dy s. QAT folds BN into conv weights with it
// (w (O, I/g, kh, kw) times gamma / sigma per output channel). s gets no gradient.
#pragma once

#include "core/var.h"

namespace minnow {

// x: (C, ...) in plain layout; s: (C) f32. y is plain.
Var scale_channels(const Var& x, const Tensor& s);

}  // namespace minnow
