// scale_channels forward and backward: one loop each, over the plain (C, rest) view.
#include "ops/channel_scale.h"

#include "core/error.h"
#include "core/tape.h"

namespace minnow {
namespace {

// out[c, j] = in[c, j] s[c] over the (C, numel / C) view of plain tensors.
Tensor scaled(const Tensor& in, const Tensor& s) {
  Tensor out(plain_desc(in.dims()));  // every element written below
  const int64_t channels = s.numel(), per = in.numel() / channels;
  const float* src = in.data<float>();
  const float* scale = s.data<float>();
  float* dst = out.data<float>();
#pragma omp parallel for
  for (int64_t c = 0; c < channels; ++c) {
    const float sc = scale[c];  // a local: the stores cannot change it, so the loop vectorises
    for (int64_t j = c * per; j < (c + 1) * per; ++j) dst[j] = src[j] * sc;
  }
  return out;
}

// What scale_channels' backward reads: the scales.
struct ScaleChannelsSaved {
  Tensor s;  // (C)
};

std::vector<Tensor> scale_channels_backward(const ScaleChannelsSaved& saved, const std::vector<Tensor>& dy,
                                            const std::vector<bool>& need);

}  // namespace

Var scale_channels(const Var& x, const Tensor& s) {
  const Tensor& xd = x.data();
  MINNOW_CHECK(xd.dtype() == DType::f32 && xd.is_plain() && xd.ndims() >= 1, "scale_channels: expected a plain f32 x, got ",
               dtype_name(xd.dtype()), " ", dims_str(xd.dims()), xd.is_plain() ? "" : " in a blocked layout");
  MINNOW_CHECK(s.dtype() == DType::f32 && s.is_plain() && s.dims() == Dims{xd.dim(0)},
               "scale_channels: expected s of dims ", dims_str({xd.dim(0)}), " for x of dims ", dims_str(xd.dims()),
               ", got ", dims_str(s.dims()));
  Tensor y = scaled(xd, s);  // (C, ...)
  if (!should_record({x})) return record_op("scale_channels", {x}, y, nullptr);
  return record_op("scale_channels", {x}, y, [saved = ScaleChannelsSaved{s}](const auto& dy, const auto& need) {
    return scale_channels_backward(saved, dy, need);
  });
}

namespace {

// dx = dy s.
std::vector<Tensor> scale_channels_backward(const ScaleChannelsSaved& saved, const std::vector<Tensor>& dy,
                                            const std::vector<bool>&) {
  return {scaled(dy[0].to_layout(plain_desc(dy[0].dims(), DType::f32)), saved.s)};
}

}  // namespace

}  // namespace minnow
