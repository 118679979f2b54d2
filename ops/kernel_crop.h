// Dead kernel taps. Where the padding is so wide that some rows or columns of a conv kernel meet
// only padding at every output position (EfficientNet's 5x5 depthwise convs with padding 2 on
// 1x1 maps at 32 px), the conv equals the conv with those taps cut off and the padding reduced
// to match: the cut taps only ever multiply zeros. oneDNN 2.6 runs the full shape on its gemm
// kernel over plain NCHW; the cropped one runs a jit kernel.
#pragma once

#include <optional>

#include "core/var.h"
#include "ops/conv2d.h"

namespace minnow {

// The taps a conv keeps: rows [top, top + kh) and columns [left, left + kw) of its kernel, run
// with the padding given.
struct KernelCrop {
  int64_t top, left, kh, kw;
  int64_t padding;
};

// The crop of a (kH, kW) kernel over an (H, W) input, or nothing when every tap meets data
// somewhere, or when what remains would need a different padding on each axis or side.
std::optional<KernelCrop> dead_tap_crop(int64_t h, int64_t w, int64_t kh, int64_t kw, const Conv2dOptions& options);

// w[..., top : top + kh, left : left + kw] of a (O, C/g, kH, kW) or (G, O/G, C/G, kH, kW) weight
// in any layout; the result is plain. Backward puts dw back into the full kernel, in w's layout,
// with zeros on the cut taps.
Var crop_kernel(const Var& w, const KernelCrop& crop);

}  // namespace minnow
