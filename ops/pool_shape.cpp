// PyTorch's pooled sizes and the oneDNN padding that produces them.
#include "ops/pool_shape.h"

#include <algorithm>

#include "core/error.h"

namespace minnow {
namespace {

// PyTorch's output size: a ceil-mode window must start inside the input or its top/left padding.
int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, bool ceil_mode) {
  int64_t out = (in + 2 * p - k + (ceil_mode ? s - 1 : 0)) / s + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

}  // namespace

PoolShape pool_shape(const char* op, const Dims& x, const Pool2dOptions& o, dnnl::algorithm alg) {
  MINNOW_CHECK(x.size() == 4, op, ": expected input dims (N, C, H, W), got ", dims_str(x));
  MINNOW_CHECK(o.kernel >= 1 && o.stride >= 0 && o.padding >= 0, op,
               ": expected kernel >= 1, stride >= 0 (0: the kernel), padding >= 0, got kernel ", o.kernel,
               ", stride ", o.stride, ", padding ", o.padding);
  MINNOW_CHECK(o.padding <= o.kernel / 2, op, ": expected padding <= kernel / 2 = ", o.kernel / 2, ", got ",
               o.padding);
  MINNOW_CHECK(x[2] + 2 * o.padding >= o.kernel && x[3] + 2 * o.padding >= o.kernel, op, ": input ", dims_str(x),
               " with padding ", o.padding, " is smaller than the kernel ", o.kernel);
  const int64_t k = o.kernel, s = o.stride == 0 ? o.kernel : o.stride, p = o.padding;
  PoolShape shape{x[0], x[1], x[2], x[3], k, k, s, s, p, p, 0, 0, 0, 0, alg};
  shape.oh = pooled_size(shape.h, k, s, p, o.ceil_mode);
  shape.ow = pooled_size(shape.w, k, s, p, o.ceil_mode);
  // oneDNN's output size is (in + p + p_end - k) / s + 1 (floor); this p_end makes it PyTorch's.
  shape.ph_end = std::max(p, (shape.oh - 1) * s + k - shape.h - p);
  shape.pw_end = std::max(p, (shape.ow - 1) * s + k - shape.w - p);
  return shape;
}

}  // namespace minnow
