// Bit-for-bit comparison of two safetensors files' contents, for the exact-resume tests.
#pragma once

#include "core/safetensors.h"

namespace minnow::test_support {

// EXPECTs the same tensor names in the same order, and equal bytes for each.
void expect_bit_identical(const SafeTensors& a, const SafeTensors& b);

}  // namespace minnow::test_support
