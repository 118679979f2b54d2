// to_f32: a bf16 activation (core/compute_type.h) as f32, for the ops that stay f32 in a
// mixed-precision step (the losses). y = x in f32; dx = dy in x's type and layout. An f32 x is
// returned as it is.
#pragma once

#include "core/var.h"

namespace minnow {

Var to_f32(const Var& x);

}  // namespace minnow
