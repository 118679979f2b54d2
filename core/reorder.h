// Counted reorders. Every layout or type conversion in minnow goes through
// reorder(), so tests can assert that a chain of ops moves no activation.
#pragma once

#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace minnow {

// Copies src into a new tensor with descriptor md (same dims; layout and type may differ).
Tensor reorder(const Tensor& src, const dnnl::memory::desc& md);
// Copies src into dst's storage, converting layout and type.
void reorder_into(const Tensor& src, const Tensor& dst);

// Copies src into a new tensor with descriptor md, multiplied on the way by one scale
// (mask 0) or by one scale per index of the dims set in mask (oneDNN's output-scale
// mask, e.g. 1 << 0 for per-output-channel weights). Integer destinations round half
// to even and saturate, as every oneDNN down-conversion does.
Tensor reorder_scaled(const Tensor& src, const dnnl::memory::desc& md, const std::vector<float>& scales,
                      int mask = 0);

// A copy of a weight into the layout one pass of its primitive wants (for example
// a convolution's backward-data kernel); counted apart from activation reorders.
Tensor reorder_weight(const Tensor& src, const dnnl::memory::desc& md);

// Number of reorders executed by this process so far, and how many of them were weights.
uint64_t reorder_count();
uint64_t weight_reorder_count();

}  // namespace minnow
