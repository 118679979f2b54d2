// quantize / dequantize as scaled oneDNN reorders (output scale 1 / scale and scale).
#include "ops/int8/qtensor.h"

#include "core/error.h"
#include "core/reorder.h"
#include "ops/layout.h"

namespace minnow {

QTensor quantize(const Tensor& x_f32, float scale, DType type) {
  return quantize(x_f32, scale, with_dtype(x_f32.desc(), type));
}

QTensor quantize(const Tensor& x_f32, float scale, const dnnl::memory::desc& md) {
  const DType type = from_dnnl(md.data_type());
  MINNOW_CHECK(x_f32.dtype() == DType::f32, "quantize: expected an f32 input, got ", dtype_name(x_f32.dtype()));
  MINNOW_CHECK(type == DType::u8 || type == DType::s8, "quantize: expected type u8 or s8, got ", dtype_name(type));
  MINNOW_CHECK(scale > 0.f, "quantize: expected scale > 0, got ", scale);
  MINNOW_CHECK(md.dims() == x_f32.dims(), "quantize: expected a layout of dims ", dims_str(x_f32.dims()), ", got ",
               dims_str(md.dims()));
  return {reorder_scaled(x_f32, md, {1.f / scale}), scale};
}

Tensor dequantize(const QTensor& q) {
  MINNOW_CHECK(q.data.defined(), "dequantize: undefined data");
  return reorder_scaled(q.data, with_dtype(q.data.desc(), DType::f32), {q.scale});
}

Tensor quantize_weights(const Tensor& w_f32, const std::vector<float>& w_scales) {
  MINNOW_CHECK(w_f32.dtype() == DType::f32 && w_f32.is_plain(),
               "quantize_weights: expected a plain f32 weight, got ", dtype_name(w_f32.dtype()),
               w_f32.is_plain() ? "" : " (not plain)");
  MINNOW_CHECK(static_cast<int64_t>(w_scales.size()) == w_f32.dim(0), "quantize_weights: expected ", w_f32.dim(0),
               " scales (one per output channel of ", dims_str(w_f32.dims()), "), got ", w_scales.size());
  std::vector<float> inverse(w_scales.size());
  for (size_t o = 0; o < w_scales.size(); ++o) {
    MINNOW_CHECK(w_scales[o] > 0.f, "quantize_weights: expected w_scales[", o, "] > 0, got ", w_scales[o]);
    inverse[o] = 1.f / w_scales[o];
  }
  return reorder_scaled(w_f32, plain_desc(w_f32.dims(), DType::s8), inverse, 1 << 0);
}

}  // namespace minnow
