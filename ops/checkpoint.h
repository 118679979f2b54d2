// checkpoint: a segment of ops whose intermediate results are not kept for backward; its
// backward runs the segment again from the saved inputs, on a private tape, and backpropagates
// through that second run (recomputation, Chen et al. 2016; for DenseNet, Pleiss et al. 2017).
// Memory then holds the segment's inputs (shared with their producers) and its output, and the
// intermediate results of one segment at a time. The segment's own ops do the arithmetic;
// checkpoint changes only what is kept and when it is computed.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "core/var.h"

namespace minnow {

using SegmentFn = std::function<Var(const std::vector<Var>& xs)>;

// y = fn(xs). params: every other Var fn reads that may want a gradient (its layers'
// parameters): the tape sees them as inputs, so their gradients arrive as any op's do.
// fn must give the same result when run again: layers with running state leave it alone while
// recomputing() (core/grad_mode.h); a segment with random draws (dropout) is not allowed.
// Without recording (no grad mode, or nothing wants a gradient) this is fn(xs) as it stands.
Var checkpoint(std::string_view op, const std::vector<Var>& xs, const std::vector<Var>& params, const SegmentFn& fn);

}  // namespace minnow
