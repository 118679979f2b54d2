// Weight gradient of a grouped 1x1 convolution (stride 1, no padding) as one matrix
// product per group, for the shapes where oneDNN 2.6 has only its reference kernel
// (ShuffleNet v1's grouped 1x1 convs with 20 or 60 channels per group, ~50x slower) and for
// maps of at most 4x4, groups or not, where its jit kernels are slow (ops/conv2d.cpp).
#pragma once

#include "core/tensor.h"

namespace minnow {

// x: (N, C, H, W), dy: (N, O, H, W), in any layout, both bf16 (multiplied as bf16, summed in
// f32) or else read as f32. Returns dw: (O, C/G, 1, 1) plain f32,
// dw[g O/G + o, i] = sum over n, h, w of dy[n, g O/G + o, h, w] x[n, g C/G + i, h, w],
// i.e. per group dw_g = dy_g^T x_g over the (N H W, channels) views of nhwc copies.
Tensor grouped_pointwise_weight_grad(const Tensor& x, const Tensor& dy, int64_t groups);

}  // namespace minnow
