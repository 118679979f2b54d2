// Checks on the padding of blocked layouts: nChw16c with 20 channels holds 12
// padded channels at every (n, h, w), and every op must leave them zero.
#pragma once

#include "core/tensor.h"

namespace minnow::test_support {

// True when every padding element of the f32 tensor t's buffer is zero.
bool padding_is_zero(const Tensor& t);

}  // namespace minnow::test_support
