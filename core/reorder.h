// Counted reorders. Every layout or type conversion in minnow goes through
// reorder(), so tests can assert that a chain of ops moves no activation.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace minnow {

// Copies src into a new tensor with descriptor md (same dims; layout and type may differ).
Tensor reorder(const Tensor& src, const dnnl::memory::desc& md);
// Copies src into dst's storage, converting layout and type.
void reorder_into(const Tensor& src, const Tensor& dst);

// Number of reorders executed by this process so far.
uint64_t reorder_count();

}  // namespace minnow
