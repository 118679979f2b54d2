// Bilinear resizing of an image batch for inference (a distillation teacher whose
// resolution differs from the student's): oneDNN's linear resampling, which samples at
// half-pixel centres as F.interpolate(mode='bilinear', align_corners=False). No autograd:
// it takes and returns Tensors, and nothing is recorded on the tape.
#pragma once

#include <cstdint>

#include "core/tensor.h"

namespace minnow {

// x: (N, C, H, W) f32 in any layout. Returns (N, C, height, width) in x's layout,
// or x itself when the size already matches.
Tensor resize_bilinear(const Tensor& x, int64_t height, int64_t width);

}  // namespace minnow
