// Which kernel taps meet data (one axis at a time), and the crop op with its backward side by side.
#include "ops/kernel_crop.h"

#include "core/error.h"
#include "core/tape.h"
#include "ops/layout.h"

namespace minnow {
namespace {

struct AxisTaps {
  int64_t first, count, padding;
};

int64_t output_length(int64_t size, int64_t k, int64_t padding, const Conv2dOptions& o) {
  return (size + 2 * padding - o.dilation * (k - 1) - 1) / o.stride + 1;
}

// The taps of one axis that meet data at some output position (tap t of output i reads input
// i stride - padding + t dilation), and the padding that keeps every window where it was. Windows
// are placed from the left, so the cropped axis is the same conv when its output length is.
AxisTaps live_taps(int64_t size, int64_t k, const Conv2dOptions& o) {
  const int64_t out = output_length(size, k, o.padding, o);
  int64_t first = k, last = -1;
  for (int64_t t = 0; t < k; ++t) {
    for (int64_t i = 0; i < out; ++i) {
      const int64_t at = i * o.stride - o.padding + t * o.dilation;
      if (at >= 0 && at < size) {
        first = std::min(first, t);
        last = t;
        break;
      }
    }
  }
  if (last < 0) return {0, k, o.padding};  // no tap meets data (cannot happen for out >= 1)
  const AxisTaps live{first, last - first + 1, o.padding - first * o.dilation};
  if (live.padding < 0 || output_length(size, live.count, live.padding, o) != out) return {0, k, o.padding};
  return live;
}

// Calls fn(full, cropped) with the offsets of each kept tap in the plain (prefix, kH, kW) kernel
// and in the plain (prefix, kh, kw) crop.
template <class Fn>
void for_each_kept_tap(int64_t prefix, int64_t full_h, int64_t full_w, const KernelCrop& c, Fn fn) {
  for (int64_t p = 0; p < prefix; ++p)
    for (int64_t i = 0; i < c.kh; ++i)
      for (int64_t j = 0; j < c.kw; ++j) fn((p * full_h + c.top + i) * full_w + c.left + j, (p * c.kh + i) * c.kw + j);
}

// What crop_kernel's backward reads: the crop and w's dims and layout.
struct CropKernelSaved {
  KernelCrop crop;
  Dims w_dims;
  dnnl::memory::desc w_md;
};

std::vector<Tensor> crop_kernel_backward(const CropKernelSaved& saved, const std::vector<Tensor>& dy,
                                         const std::vector<bool>& need);

}  // namespace

std::optional<KernelCrop> dead_tap_crop(int64_t h, int64_t w, int64_t kh, int64_t kw, const Conv2dOptions& options) {
  const AxisTaps rows = live_taps(h, kh, options), columns = live_taps(w, kw, options);
  if (rows.count == kh && columns.count == kw) return std::nullopt;
  if (rows.padding != columns.padding) return std::nullopt;
  return KernelCrop{rows.first, columns.first, rows.count, columns.count, rows.padding};
}

Var crop_kernel(const Var& w, const KernelCrop& crop) {
  const Dims& d = w.dims();
  MINNOW_CHECK(d.size() == 4 || d.size() == 5, "crop_kernel: expected weight dims (O, C/g, kH, kW) or (G, O/G, C/G, kH, kW), got ",
               dims_str(d));
  const int64_t full_h = d[d.size() - 2], full_w = d.back();
  MINNOW_CHECK(crop.top >= 0 && crop.left >= 0 && crop.kh >= 1 && crop.kw >= 1 && crop.top + crop.kh <= full_h &&
                   crop.left + crop.kw <= full_w,
               "crop_kernel: rows [", crop.top, ", ", crop.top + crop.kh, ") and columns [", crop.left, ", ",
               crop.left + crop.kw, ") must lie within the ", full_h, "x", full_w, " kernel");
  Dims out_dims = d;
  out_dims[d.size() - 2] = crop.kh;
  out_dims.back() = crop.kw;
  const Tensor full = w.data().to_layout(plain_desc(d));
  Tensor y = Tensor::zeros(out_dims);  // (..., kh, kw)
  const float* src = full.data<float>();
  float* dst = y.data<float>();
  for_each_kept_tap(product(d) / (full_h * full_w), full_h, full_w, crop,
                    [&](int64_t at_full, int64_t at_crop) { dst[at_crop] = src[at_full]; });
  if (!should_record({w})) return record_op("crop_kernel", {w}, y, nullptr);
  return record_op("crop_kernel", {w}, y, [saved = CropKernelSaved{crop, d, w.data().desc()}](const auto& dy, const auto& need) {
    return crop_kernel_backward(saved, dy, need);
  });
}

namespace {

// dw: dy on the kept taps, zeros on the cut ones.
std::vector<Tensor> crop_kernel_backward(const CropKernelSaved& saved, const std::vector<Tensor>& dy,
                                         const std::vector<bool>&) {
  const Dims& d = saved.w_dims;
  const int64_t full_h = d[d.size() - 2], full_w = d.back();
  const Tensor g = dy[0].to_layout(plain_desc(dy[0].dims()));
  Tensor dw = Tensor::zeros(d);  // (..., kH, kW)
  const float* src = g.data<float>();
  float* dst = dw.data<float>();
  for_each_kept_tap(product(d) / (full_h * full_w), full_h, full_w, saved.crop,
                    [&](int64_t at_full, int64_t at_crop) { dst[at_full] = src[at_crop]; });
  return {to_desc(dw, saved.w_md)};
}

}  // namespace

}  // namespace minnow
