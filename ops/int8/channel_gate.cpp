// int8_gate_channels: x moves to nhwc (the int8 convs' layout, so usually no move), then one
// multiplier per (n, c) and a round-saturate per element, samples and pixels in parallel.
#include "ops/int8/channel_gate.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.h"

namespace minnow {
namespace {

template <class In, class Out>
void gate_pixels(const In* x, const float* mult, Out* y, int64_t n, int64_t pixels, int64_t channels) {
  constexpr float lo = std::is_same_v<Out, uint8_t> ? 0.f : -128.f;
  constexpr float hi = std::is_same_v<Out, uint8_t> ? 255.f : 127.f;
#pragma omp parallel for collapse(2)
  for (int64_t s = 0; s < n; ++s)
    for (int64_t p = 0; p < pixels; ++p) {
      const int64_t base = (s * pixels + p) * channels;
      const float* m = mult + s * channels;
      for (int64_t c = 0; c < channels; ++c)
        y[base + c] = static_cast<Out>(std::clamp(std::nearbyint(static_cast<float>(x[base + c]) * m[c]), lo, hi));
    }
}

template <class In>
void gate_into(const In* x, const float* mult, Tensor& y, int64_t n, int64_t pixels, int64_t channels) {
  if (y.dtype() == DType::u8)
    gate_pixels(x, mult, y.data<uint8_t>(), n, pixels, channels);
  else
    gate_pixels(x, mult, y.data<int8_t>(), n, pixels, channels);
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
  using tag = dnnl::memory::format_tag;
  const Tensor src = x.data.to_layout(dnnl::memory::desc(d, to_dnnl(x.data.dtype()), tag::nhwc));
  Tensor y(dnnl::memory::desc(d, to_dnnl(out_type), tag::nhwc));  // (N, C, H, W) nhwc
  std::vector<float> mult(static_cast<size_t>(d[0] * d[1]));      // (N, C)
  const float* g = gate.data<float>();
  for (size_t i = 0; i < mult.size(); ++i) mult[i] = x.scale * g[i] / out_scale;
  if (src.dtype() == DType::u8)
    gate_into(src.data<uint8_t>(), mult.data(), y, d[0], d[2] * d[3], d[1]);
  else
    gate_into(src.data<int8_t>(), mult.data(), y, d[0], d[2] * d[3], d[1]);
  return {y, out_scale};
}

}  // namespace minnow
