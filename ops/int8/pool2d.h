// Int8 2-D max and average pooling (the stems' and ShuffleNet v1's pools), computing
// what the f32 max_pool2d / avg_pool2d compute (PyTorch's sizes, ceil_mode and
// count_include_pad) on the integers:
//   max: y = max of q over the window, x's type and scale (a max needs no requantization)
//   avg: y = saturate(round_half_even(alpha * sum of q over the window / d)), alpha =
//        x.scale / out_scale, d as in ops/pooling.cpp. Inference only.
#pragma once

#include <string>

#include "ops/int8/qtensor.h"

namespace minnow {

struct Int8Pool2dOptions {
  enum class Kind { max, avg };
  Kind kind = Kind::max;
  int64_t kernel = 2;
  int64_t stride = 0;              // 0 means stride = kernel
  int64_t padding = 0;             // <= kernel / 2
  bool ceil_mode = false;          // as PyTorch (SqueezeNet's MaxPool2d(3, 2, ceil_mode=True))
  bool count_include_pad = true;   // avg only, as PyTorch's default
};

// x: (N, C, H, W) u8 or s8 in any blocked layout. Returns (N, C, H', W') of x's type in x's
// layout (nhwc stays nhwc), H' as the f32 pooling's; with scale x.scale, or for avg
// out_scale when out_scale > 0 (the rescaling fused into the pooling, one rounding).
// Max pooling takes out_scale 0 or x.scale only.
QTensor int8_pool2d(const QTensor& x, const Int8Pool2dOptions& options, float out_scale = 0.f);

// The oneDNN implementation int8_pool2d(x, options, out_scale) runs, e.g. "jit:avx512_core".
std::string int8_pool2d_impl(const QTensor& x, const Int8Pool2dOptions& options, float out_scale = 0.f);

}  // namespace minnow
