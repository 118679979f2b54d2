// int8_global_avg_pool. When the output type is the input's, it runs oneDNN's int8
// pooling (avg, one window over H x W; jit on nhwc, the layout the int8 convs return)
// with the rescaling to the output's units fused as an eltwise linear post-op:
// dst = round(alpha * mean(q)), alpha = x.scale / out_scale. oneDNN 2.6 has no int8
// pooling into another type, so f32 (or u8 <-> s8) outputs pool the dequantized input
// in f32 (the head's 7x7 map is small) and quantize that if asked.
#include "ops/int8/pool.h"

#include <bit>

#include "core/engine.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "core/primitive_timer.h"
#include "core/var.h"
#include "ops/pooling.h"
#include "ops/primitive_cache.h"

namespace minnow {

using dnnl::memory;

namespace {

struct GapPrimitive {
  dnnl::pooling_forward::primitive_desc pd;
  dnnl::pooling_forward pool;
};

// The int8 path: same type in and out, rescaled by alpha.
Tensor int8_pool(const Tensor& x, float alpha) {
  const Dims d = x.dims();
  Key key("int8_gap");
  key.add(x.desc()).add(std::bit_cast<int32_t>(alpha));
  const auto p = cached<GapPrimitive>(key, [&] {
    dnnl::post_ops ops;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, alpha, 0.f);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    const dnnl::pooling_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::pooling_avg_exclude_padding, x.desc(),
        memory::desc({d[0], d[1], 1, 1}, x.desc().data_type(), memory::format_tag::any), {d[2], d[3]},
        {d[2], d[3]}, {0, 0}, {0, 0});
    const dnnl::pooling_forward::primitive_desc pd(desc, attr, cpu_engine());
    return GapPrimitive{pd, dnnl::pooling_forward(pd)};
  });
  Tensor y(p->pd.dst_desc());  // (N, C, 1, 1)
  execute_primitive(p->pool, {{DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_DST, y.memory()}});
  return y;
}

}  // namespace

QTensor int8_global_avg_pool(const QTensor& x, DType out_type, float out_scale) {
  const Dims d = x.data.dims();
  MINNOW_CHECK(d.size() == 4, "int8_global_avg_pool: expected input dims (N, C, H, W), got ", dims_str(d));
  MINNOW_CHECK(x.data.dtype() == DType::u8 || x.data.dtype() == DType::s8,
               "int8_global_avg_pool: expected a u8 or s8 input, got ", dtype_name(x.data.dtype()));
  MINNOW_CHECK(out_type == DType::u8 || out_type == DType::s8 || out_type == DType::f32,
               "int8_global_avg_pool: expected out_type u8, s8 or f32, got ", dtype_name(out_type));
  const float dst_scale = out_type == DType::f32 ? 1.f : out_scale;
  MINNOW_CHECK(x.scale > 0.f && dst_scale > 0.f, "int8_global_avg_pool: expected positive scales, got input ",
               x.scale, " and output ", out_scale);
  if (out_type == x.data.dtype()) return {int8_pool(x.data, x.scale / dst_scale), dst_scale};

  const NoGrad no_grad;
  const Tensor mean = global_avg_pool(Var(dequantize(x))).data();  // (N, C, 1, 1) f32
  if (out_type == DType::f32) return {mean, 1.f};
  return quantize(mean, dst_scale, out_type);
}

}  // namespace minnow
