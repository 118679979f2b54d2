// 2-D max, average and global average pooling with PyTorch's output sizes
// (ceil_mode, padding, count_include_pad), on oneDNN's pooling primitives in
// the input's own layout.
#pragma once

#include "core/var.h"

namespace minnow {

struct Pool2dOptions {
  int64_t kernel = 2;
  int64_t stride = 0;   // 0 means stride = kernel
  int64_t padding = 0;
  bool ceil_mode = false;          // as PyTorch (SqueezeNet uses MaxPool2d(3, 2, ceil_mode=True))
  bool count_include_pad = true;   // avg pool only, as PyTorch's default
};

// x: (N, C, H, W) in any layout. Returns (N, C, H', W') in x's layout, with
// H' = floor_or_ceil((H + 2 padding - kernel) / stride) + 1, less one in ceil mode
// when the last window would start past the input's right padding (as PyTorch).
// padding <= kernel / 2.
Var max_pool2d(const Var& x, const Pool2dOptions& options);  // keeps oneDNN's workspace for backward
Var avg_pool2d(const Var& x, const Pool2dOptions& options);
Var global_avg_pool(const Var& x);  // (N, C, H, W) -> (N, C, 1, 1)

}  // namespace minnow
