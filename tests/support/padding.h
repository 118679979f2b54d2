// Checks on the padding of blocked layouts: nChw16c with 20 channels holds 12
// padded channels at every (n, h, w), and every op must leave them zero; and a
// one-input op run in a given layout, to compare against the same op on plain tensors.
#pragma once

#include <functional>
#include <utility>
#include <vector>

#include "core/var.h"

namespace minnow::test_support {

// True when every padding element of the f32 tensor t's buffer is zero.
bool padding_is_zero(const Tensor& t);

// plain reordered into the layout t.
Tensor in_layout(const Tensor& plain, dnnl::memory::format_tag t);

// y and dx of op on x_any in its layout, read back in plain order, with EXPECTs that y and dx
// keep x_any's descriptor and zero padding.
std::pair<std::vector<float>, std::vector<float>> run_in_layout(const std::function<Var(const Var&)>& op,
                                                                const Tensor& x_any, const Tensor& dy_plain);

}  // namespace minnow::test_support
