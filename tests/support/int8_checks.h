// Int8 test helpers: random quantized tensors, their real values in double, and the
// check of an int8 kernel's output against a double-precision reference.
#pragma once

#include <vector>

#include "core/rng.h"
#include "ops/int8/qtensor.h"

namespace minnow::test_support {

// Plain (dims) tensor of type (u8, s8) with uniform integers over [lo, hi].
Tensor random_ints(const Dims& dims, DType type, int lo, int hi, Rng& rng);
// A plain QTensor with integers over the whole range of type (u8: 0..255, s8: -128..127).
QTensor random_qtensor(const Dims& dims, DType type, float scale, Rng& rng);
// The same in layout (nhwc, nChw16c, ...).
QTensor random_qtensor(const Dims& dims, DType type, float scale, dnnl::memory::format_tag layout, Rng& rng);
// scale * q in logical (row-major) order, in double.
std::vector<double> real_values(const QTensor& q);

// Round half to even, then clamp to type's range (the integer the kernel should produce).
double quantized_value(double real, float scale, DType type);

// Checks got against the real reference values: an f32 output within 1e-5 relative
// (of the largest |ref|); a u8/s8 output within one quantization step of ref / scale
// (clamped to the type's range) everywhere, and equal to quantized_value() in all but
// at most max(1, numel / 1000) elements (float rounding next to a .5 boundary), and
// taking at least 8 distinct values (a saturated or constant output checks little).
void expect_matches_quantized(const QTensor& got, const std::vector<double>& ref);

}  // namespace minnow::test_support
