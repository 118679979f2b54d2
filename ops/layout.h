// Small layout helpers shared by the ops: "let the primitive choose" descriptors
// and moving a parameter into the layout its primitive prefers.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>

#include "core/var.h"

namespace minnow {

// Descriptor with format_tag::any (the primitive picks the layout), f32 unless told.
dnnl::memory::desc any_desc(const Dims& dims, DType type = DType::f32);

// md with its data type replaced by type: the same dims and element order (int8
// activations and their f32 dequantized copies share a layout this way).
dnnl::memory::desc with_dtype(const dnnl::memory::desc& md, DType type);

// A dense descriptor for dims in md's format (md blocked): the same inner blocks and
// the same order of outer dims (by stride, ties in index order), padded up to whole blocks.
dnnl::memory::desc same_format(const dnnl::memory::desc& md, const Dims& dims);

// True when a and b are the same logical weight shape: equal, or OIHW against the
// GOIHW grouping of the same weight (G * O/G == O, the other dims equal).
bool same_weight_shape(const Dims& a, const Dims& b);

// t in descriptor md. Dims may differ when only the grouping differs and the
// plain element order is the same, as for OIHW and GOIHW weights.
Tensor to_desc(const Tensor& t, const dnnl::memory::desc& md);

// Returns v's value in descriptor md. A leaf parameter adopts md, so the
// reorder happens once rather than every step; its gradient moves along.
Tensor adopt_layout(const Var& v, const dnnl::memory::desc& md);

}  // namespace minnow
