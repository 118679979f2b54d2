// Depthwise-convolution weight gradient as a plain loop, for the shapes where
// oneDNN 2.6 has no jit kernel (inputs smaller than the kernel's reach, such as
// 2x2 maps under a padded 3x3) and would fall back to its slow reference one.
#pragma once

#include "core/tensor.h"

namespace minnow {

struct DepthwiseGeometry {
  int64_t kernel, stride, padding, dilation;
};

// The layout both operands take: f32 nhwc (channels innermost).
dnnl::memory::desc nhwc_f32(const Dims& dims);

// x: (N, C, H, W) and dy: (N, C, OH, OW), both in nhwc_f32. Returns dw: (C, 1, k, k) plain,
// dw[c, 0, p, q] = sum over n, i, j of dy[n, c, i, j] x[n, c, i s - pad + p d, j s - pad + q d]
// (terms outside the input are zero padding).
Tensor depthwise_weight_grad(const Tensor& x, const Tensor& dy, const DepthwiseGeometry& g);

}  // namespace minnow
