// A 2-D pooling's geometry in oneDNN's terms, with PyTorch's output sizes: ceil_mode
// becomes a larger bottom/right padding that yields PyTorch's size. Shared by the f32
// pooling (ops/pooling.cpp) and the int8 pooling (ops/int8/pool2d.cpp).
#pragma once

#include "ops/pooling.h"

namespace minnow {

struct PoolShape {
  int64_t n, c, h, w;
  int64_t kh, kw, sh, sw, ph, pw;  // kernel, stride, top/left padding
  int64_t oh, ow;
  int64_t ph_end, pw_end;  // bottom/right padding, larger than ph, pw when ceil_mode adds a window
  dnnl::algorithm alg;

  Dims dst() const { return {n, c, oh, ow}; }
  dnnl::memory::dims kernel() const { return {kh, kw}; }
  dnnl::memory::dims strides() const { return {sh, sw}; }
  dnnl::memory::dims pad_begin() const { return {ph, pw}; }
  dnnl::memory::dims pad_end() const { return {ph_end, pw_end}; }
  // oneDNN's include-padding average divides by kh kw even where a ceil-mode window
  // hangs past the padded input; PyTorch divides by the part inside it.
  bool overhangs() const {
    return alg == dnnl::algorithm::pooling_avg_include_padding && (ph_end > ph || pw_end > pw);
  }
};

// The shape of pooling x (N, C, H, W) with options and oneDNN algorithm alg; checks the
// options (errors name op): kernel >= 1, stride >= 0 (0: the kernel), 0 <= padding <=
// kernel / 2, and the padded input at least the kernel.
PoolShape pool_shape(const char* op, const Dims& x, const Pool2dOptions& o, dnnl::algorithm alg);

}  // namespace minnow
