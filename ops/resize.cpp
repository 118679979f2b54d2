// resize_bilinear on a cached oneDNN resampling primitive (forward_inference,
// resampling_linear); the output takes the input's layout.
#include "ops/resize.h"

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

struct ResizePrimitive {
  dnnl::resampling_forward::primitive_desc pd;
  dnnl::resampling_forward fwd;
};

}  // namespace

Tensor resize_bilinear(const Tensor& x, int64_t height, int64_t width) {
  MINNOW_CHECK(x.ndims() == 4, "resize_bilinear: expected input dims (N, C, H, W), got ", dims_str(x.dims()));
  MINNOW_CHECK(x.dtype() == DType::f32, "resize_bilinear: expected an f32 input, got ", dtype_name(x.dtype()));
  MINNOW_CHECK(height >= 1 && width >= 1, "resize_bilinear: expected an output size >= 1, got ", height, "x",
               width);
  if (x.dim(2) == height && x.dim(3) == width) return x;
  const dnnl::memory::desc& x_md = x.desc();
  Key key("resize_bilinear");
  key.add(x_md).add(height).add(width);
  const auto p = cached<ResizePrimitive>(key, [&] {
    // dst as format_tag::any: oneDNN gives the output the input's layout.
    const dnnl::memory::desc y_any({x.dim(0), x.dim(1), height, width}, dt::f32, dnnl::memory::format_tag::any);
    const dnnl::resampling_forward::desc d(dnnl::prop_kind::forward_inference, dnnl::algorithm::resampling_linear,
                                           x_md, y_any);
    const dnnl::resampling_forward::primitive_desc pd(d, cpu_engine());
    return ResizePrimitive{pd, dnnl::resampling_forward(pd)};
  });
  Tensor y(p->pd.dst_desc());  // (N, C, height, width)
  execute_primitive(p->fwd, {{DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_DST, y.memory()}});
  return y;
}

}  // namespace minnow
