// int8_add on oneDNN's binary add with per-input scales (attr scales on SRC_0 and
// SRC_1): dst = round(a.scale / out_scale a + b.scale / out_scale b), relu fused as a
// post-op (0 needs no rescaling).
#include "ops/int8/add.h"

#include <bit>

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "ops/layout.h"
#include "ops/primitive_cache.h"

namespace minnow {

QTensor int8_add(const QTensor& a, const QTensor& b, DType out_type, float out_scale, bool relu) {
  const auto is_int8 = [](const QTensor& q) { return q.data.dtype() == DType::u8 || q.data.dtype() == DType::s8; };
  MINNOW_CHECK(is_int8(a) && is_int8(b), "int8_add: expected u8 or s8 operands, got a ", dtype_name(a.data.dtype()),
               " and b ", dtype_name(b.data.dtype()));
  MINNOW_CHECK(a.data.dims() == b.data.dims(), "int8_add: expected b of a's dims ", dims_str(a.data.dims()), ", got ",
               dims_str(b.data.dims()));
  MINNOW_CHECK(out_type == DType::u8 || out_type == DType::s8 || out_type == DType::f32,
               "int8_add: expected out_type u8, s8 or f32, got ", dtype_name(out_type));
  const float dst_scale = out_type == DType::f32 ? 1.f : out_scale;
  MINNOW_CHECK(a.scale > 0.f && b.scale > 0.f && dst_scale > 0.f, "int8_add: expected positive scales, got a ",
               a.scale, ", b ", b.scale, ", output ", out_scale);
  const float scale_a = a.scale / dst_scale, scale_b = b.scale / dst_scale;
  const dnnl::memory::desc& a_md = a.data.desc();
  const Tensor b_data = b.data.to_layout(with_dtype(a_md, b.data.dtype()));
  const dnnl::memory::desc y_md = with_dtype(a_md, out_type);

  Key key("int8_add");
  key.add(a_md).add(b_data.desc()).add(y_md).add(std::bit_cast<int32_t>(scale_a)).add(std::bit_cast<int32_t>(scale_b))
      .add(static_cast<int64_t>(relu));
  const auto p = cached<dnnl::binary>(key, [&] {
    dnnl::primitive_attr attr;
    attr.set_scales(DNNL_ARG_SRC_0, 0, {scale_a});
    attr.set_scales(DNNL_ARG_SRC_1, 0, {scale_b});
    if (relu) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      attr.set_post_ops(ops);
    }
    const dnnl::binary::desc desc(dnnl::algorithm::binary_add, a_md, b_data.desc(), y_md);
    return dnnl::binary(dnnl::binary::primitive_desc(desc, attr, cpu_engine()));
  });
  Tensor y(y_md);  // a's dims and layout
  execute_primitive(*p, {{DNNL_ARG_SRC_0, a.data.memory()}, {DNNL_ARG_SRC_1, b_data.memory()},
                         {DNNL_ARG_DST, y.memory()}});
  return {y, dst_scale};
}

}  // namespace minnow
