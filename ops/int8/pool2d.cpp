// int8_pool2d on oneDNN's pooling_forward (forward_inference) in x's type and layout,
// with the geometry of ops/pool_shape.h; avg rescales through an eltwise_linear post-op
// (alpha = x.scale / out_scale) before the one rounding. oneDNN's include-padding
// average divides by the whole kernel where a ceil-mode window hangs past the padded
// input; PyTorch divides by the part inside it. Such shapes pool a copy of x padded
// with zeros, excluding only the overhang: without padding that is exclude-padding on
// x itself, with padding an explicit zero border first (one copy, only those shapes).
#include "ops/int8/pool2d.h"

#include <bit>

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "ops/layout.h"
#include "ops/pool_shape.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::memory;

struct Int8PoolPrimitive {
  // Only when the shape needs an explicit zero border: x is copied into its centre.
  bool pads = false;
  memory::desc padded_md, centre_md;  // (N, C, H + 2 p, W + 2 p) and its view of x
  dnnl::reorder fill;
  dnnl::pooling_forward::primitive_desc pd;
  dnnl::pooling_forward pool;
};

std::shared_ptr<Int8PoolPrimitive> primitive_for(const QTensor& x, const Int8Pool2dOptions& o, float out_scale) {
  const bool max = o.kind == Int8Pool2dOptions::Kind::max;
  MINNOW_CHECK(x.data.dtype() == DType::u8 || x.data.dtype() == DType::s8,
               "int8_pool2d: expected a u8 or s8 input, got ", dtype_name(x.data.dtype()));
  MINNOW_CHECK(x.data.desc().data.format_kind == dnnl_blocked,
               "int8_pool2d: expected an input in a blocked (non-opaque) layout");
  MINNOW_CHECK(x.scale > 0.f && out_scale >= 0.f, "int8_pool2d: expected input scale > 0 and out_scale >= 0 ",
               "(0: the input's), got ", x.scale, " and ", out_scale);
  MINNOW_CHECK(!max || out_scale == 0.f || out_scale == x.scale, "int8_pool2d: max pooling keeps the input's scale ",
               x.scale, ", got out_scale ", out_scale);
  const auto alg = max                   ? dnnl::algorithm::pooling_max
                   : o.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                         : dnnl::algorithm::pooling_avg_exclude_padding;
  const Pool2dOptions f32{o.kernel, o.stride, o.padding, o.ceil_mode, o.count_include_pad};
  PoolShape s = pool_shape("int8_pool2d", x.data.dims(), f32, alg);
  const float alpha = max || out_scale == 0.f ? 1.f : x.scale / out_scale;

  Key key("int8_pool2d");
  key.add(x.data.desc()).add(static_cast<int64_t>(alg)).add(s.kh).add(s.sh).add(s.ph).add(s.ph_end).add(s.pw_end)
      .add(std::bit_cast<int32_t>(alpha));
  return cached<Int8PoolPrimitive>(key, [&] {
    Int8PoolPrimitive built;
    memory::desc src_md = x.data.desc();
    if (s.overhangs()) {
      s.alg = dnnl::algorithm::pooling_avg_exclude_padding;
      built.pads = s.ph > 0;
      if (built.pads) {
        built.padded_md = same_format(src_md, {s.n, s.c, s.h + 2 * s.ph, s.w + 2 * s.pw});
        built.centre_md = built.padded_md.submemory_desc(x.data.dims(), {0, 0, s.ph, s.pw});
        built.fill = dnnl::reorder(dnnl::reorder::primitive_desc(cpu_engine(), src_md, cpu_engine(), built.centre_md));
        src_md = built.padded_md;
        s.ph_end -= s.ph, s.pw_end -= s.pw;
        s.h += 2 * s.ph, s.w += 2 * s.pw, s.ph = 0, s.pw = 0;
      }
    }
    dnnl::primitive_attr attr;
    if (alpha != 1.f) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, alpha, 0.f);
      attr.set_post_ops(ops);
    }
    const dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, s.alg, src_md,
                                        memory::desc(s.dst(), src_md.data_type(), memory::format_tag::any),
                                        s.strides(), s.kernel(), s.pad_begin(), s.pad_end());
    built.pd = dnnl::pooling_forward::primitive_desc(d, attr, cpu_engine());
    built.pool = dnnl::pooling_forward(built.pd);
    return built;
  });
}

}  // namespace

QTensor int8_pool2d(const QTensor& x, const Int8Pool2dOptions& options, float out_scale) {
  const auto p = primitive_for(x, options, out_scale);
  Tensor src = x.data;
  if (p->pads) {
    src = Tensor::zeros(p->padded_md);  // (N, C, H + 2 p, W + 2 p)
    execute_primitive(p->fill, {{DNNL_ARG_FROM, x.data.memory()},
                                {DNNL_ARG_TO, memory(p->centre_md, cpu_engine(), src.raw())}});
  }
  Tensor y(p->pd.dst_desc());  // (N, C, H', W')
  execute_primitive(p->pool, {{DNNL_ARG_SRC, src.memory()}, {DNNL_ARG_DST, y.memory()}});
  const bool keeps_scale = options.kind == Int8Pool2dOptions::Kind::max || out_scale == 0.f;
  return {y, keeps_scale ? x.scale : out_scale};
}

std::string int8_pool2d_impl(const QTensor& x, const Int8Pool2dOptions& options, float out_scale) {
  return primitive_for(x, options, out_scale)->pd.impl_info_str();
}

}  // namespace minnow
