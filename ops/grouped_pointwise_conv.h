// A grouped 1x1 convolution (stride 1, no padding, no bias) as one matrix product
// per group. On an nhwc copy, group g's input channels are a column block of the
// (N H W, C) matrix, so y_g = x_g w_g^T, dx_g = dy_g w_g and dw_g = dy_g^T x_g are three
// oneDNN matmuls on strided views. oneDNN 2.6's grouped conv kernels fall to 4- and
// 8-channel blocks when a group's channels are not a multiple of 16 (ShuffleNet v1 g=3:
// 20 and 40), where they run at about half the matmuls' speed (docs/benchmarks.md).
#pragma once

#include "ops/conv2d.h"

namespace minnow {

// True when conv2d runs a conv of this shape here: a forward that records for backward,
// kernel 1x1, stride 1, padding 0, 1 < groups < C (depthwise stays on oneDNN's kernel), no
// bias; f32, or bf16 in a bf16 scope (core/compute_type.h). An inference forward stays
// on oneDNN's conv, which runs these shapes on nhwc at batch 1 (brgconv_1x1, about 30 us a
// conv for ShuffleNet v1 at 224 px, where the three products take about 55 us).
bool runs_as_grouped_products(int64_t kernel_h, int64_t kernel_w, int64_t in_channels, bool bias,
                              const Conv2dOptions& options, bool records);

// x: (N, C, H, W) in any layout; w: (O, C / groups, 1, 1) or its (G, O / G, C / G, 1, 1)
// grouping, read in plain order (a leaf parameter adopts the plain layout once). Returns
// (N, O, H, W) in x's format (aBcd16b in, aBcd16b out), so the ops after it keep theirs.
Var grouped_pointwise_conv(const Var& x, const Var& w, int64_t groups);

}  // namespace minnow
