// int8_gate_channels: x moves to nhwc (the int8 convs' layout, so usually no move), then
// oneDNN's binary mul of the integers by one multiplier per (n, c), broadcast over H x W,
// with the rounding and saturation of its int8 destination: oneDNN picks the vector ISA.
#include "ops/int8/channel_gate.h"

#include <vector>

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "ops/primitive_cache.h"

namespace minnow {

using dnnl::memory;

namespace {

// dst(u8 | s8) = saturate(round_half_even(src0(u8 | s8) * src1(f32, broadcast over H x W))).
std::shared_ptr<dnnl::binary> gate_primitive(const memory::desc& x_md, const memory::desc& mult_md,
                                             const memory::desc& y_md) {
  const Key key = Key("int8_gate").add(x_md).add(mult_md).add(y_md);
  return cached<dnnl::binary>(key, [&] {
    const dnnl::binary::desc desc(dnnl::algorithm::binary_mul, x_md, mult_md, y_md);
    return dnnl::binary(dnnl::binary::primitive_desc(desc, cpu_engine()));
  });
}

}  // namespace

QTensor int8_gate_channels(const QTensor& x, const Tensor& gate, DType out_type, float out_scale) {
  const Dims d = x.data.dims();
  MINNOW_CHECK(d.size() == 4 && (x.data.dtype() == DType::u8 || x.data.dtype() == DType::s8),
               "int8_gate_channels: expected x u8 or s8 (N, C, H, W), got ", dtype_name(x.data.dtype()), " ",
               dims_str(d));
  MINNOW_CHECK(gate.dtype() == DType::f32 && gate.is_plain() && gate.dims() == Dims({d[0], d[1]}),
               "int8_gate_channels: expected a plain f32 gate (", d[0], ", ", d[1], "), got ", dtype_name(gate.dtype()),
               " ", dims_str(gate.dims()));
  MINNOW_CHECK(out_type == DType::u8 || out_type == DType::s8, "int8_gate_channels: expected out_type u8 or s8, got ",
               dtype_name(out_type));
  MINNOW_CHECK(x.scale > 0.f && out_scale > 0.f, "int8_gate_channels: expected positive scales, got input ", x.scale,
               " and output ", out_scale);
  using tag = memory::format_tag;
  const Tensor src = x.data.to_layout(memory::desc(d, to_dnnl(x.data.dtype()), tag::nhwc));
  Tensor y(memory::desc(d, to_dnnl(out_type), tag::nhwc));               // (N, C, H, W) nhwc
  Tensor mult(memory::desc({d[0], d[1], 1, 1}, memory::data_type::f32, tag::nchw));  // (N, C, 1, 1)
  const float* g = gate.data<float>();
  float* m = mult.data<float>();
  for (int64_t i = 0; i < d[0] * d[1]; ++i) m[i] = x.scale * g[i] / out_scale;
  const auto p = gate_primitive(src.desc(), mult.desc(), y.desc());
  execute_primitive(*p, {{DNNL_ARG_SRC_0, src.memory()}, {DNNL_ARG_SRC_1, mult.memory()}, {DNNL_ARG_DST, y.memory()}});
  return {y, out_scale};
}

}  // namespace minnow
