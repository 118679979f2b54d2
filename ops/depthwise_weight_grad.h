// Depthwise-convolution weight gradient as a plain loop, for the shapes where
// oneDNN 2.6 has no jit kernel (inputs smaller than the kernel's reach, such as
// 2x2 maps under a padded 3x3) and would fall back to its slow reference one.
#pragma once

#include "core/tensor.h"

namespace minnow {

struct DepthwiseGeometry {
  int64_t kernel, stride, padding, dilation;
};

// The layouts the operands take, both in the same one: f32 nhwc (channels innermost) or f32
// nChw16c (blocks of 16 channels innermost, the layout oneDNN's f32 training kernels choose), in
// which a block's 16 channels also sit side by side at every position.
dnnl::memory::desc nhwc_f32(const Dims& dims);
dnnl::memory::desc nchw16c_f32(const Dims& dims);

// x: (N, C, H, W) and dy: (N, C, OH, OW), both in nhwc_f32 or both in nchw16c_f32. Returns the same
// floats in either. dw: (C, 1, k, k) plain,
// dw[c, 0, p, q] = sum over n, i, j of dy[n, c, i, j] x[n, c, i s - pad + p d, j s - pad + q d]
// (terms outside the input are zero padding).
Tensor depthwise_weight_grad(const Tensor& x, const Tensor& dy, const DepthwiseGeometry& g);

}  // namespace minnow
