// 2-D convolution: normal, grouped, depthwise (groups == channels) and
// pointwise (1x1), with stride, padding, dilation and an optional bias.
// Runs on oneDNN's convolution primitives with layouts chosen by oneDNN, except grouped 1x1
// convs that record for backward: per-group matmuls (ops/grouped_pointwise_conv.h).
#pragma once

#include <string>

#include "core/var.h"

namespace minnow {

// An activation applied to the conv's output inside the same primitive (a oneDNN eltwise
// post-op, y = act(x * w + b)). Inference only: conv2d refuses it when it records for backward.
struct ConvPostOp {
  dnnl::algorithm alg = dnnl::algorithm::undef;  // undef: none
  float alpha = 0.0f, beta = 0.0f;               // oneDNN's eltwise parameters (clip: lower, upper)
  bool defined() const { return alg != dnnl::algorithm::undef; }
};

struct Conv2dOptions {
  int64_t stride = 1;
  int64_t padding = 0;
  int64_t dilation = 1;
  int64_t groups = 1;
  ConvPostOp post{};
  // Inference forwards run oneDNN's Winograd kernel where it has one for the shape and CPU
  // (3x3, stride 1, no groups, f32), else the direct one; a forward that records for
  // backward, or one in bf16, always runs direct. Winograd's transforms round differently
  // from the direct sum: results agree to about 1e-6 of the output's largest magnitude, not
  // to the last bit.
  bool winograd = false;
};

// x: (N, C, H, W); w: (O, C / groups, kH, kW); b: (O) or an undefined Var.
// Returns (N, O, H', W') with H' = (H + 2 padding - dilation (kH - 1) - 1) / stride + 1.
// A weight that is a leaf parameter is moved once into the layout the primitive
// prefers (for groups > 1 its dims become (G, O / G, C / G, kH, kW), same element order).
Var conv2d(const Var& x, const Var& w, const Var& b, const Conv2dOptions& options);

// The oneDNN implementation chosen for each pass, e.g. "jit:avx512_core" (benchmarks).
// weight_gradient names the code that computes dw in backward: "minnow:depthwise_loop" where
// oneDNN offers only its reference kernel, "minnow:grouped_pointwise_matmul" for 1x1 convs on
// maps of at most 4x4, else oneDNN's backward_weights implementation. A grouped 1x1 conv that
// runs as per-group matmuls names "minnow:grouped_pointwise_matmul" for every pass.
struct Conv2dImpl {
  std::string forward, backward_data, backward_weights, weight_gradient;
  dnnl::memory::desc src;  // the input layout the forward runs on
};
Conv2dImpl conv2d_impl(const Tensor& x, const Dims& w_dims, bool bias, const Conv2dOptions& options);

// The weight layout an inference forward of conv2d on x runs with (after any kernel crop):
// format_kind wino where it runs Winograd.
dnnl::memory::desc conv2d_inference_weights_desc(const Tensor& x, const Dims& w_dims, bool bias,
                                                 const Conv2dOptions& options);

}  // namespace minnow
