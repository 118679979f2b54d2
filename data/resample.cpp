// One axis at a time: Taps holds, for every output pixel, the first input
// pixel it reads and its fixed-point weights. Both passes run as a pass along
// y, whose inner loop runs along whole rows and vectorises; the pass along x
// works on the transposed image. Weights sum to kOne and pixels are at most
// 255, so the int32 sums stay below 2^30.
#include "data/resample.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/error.h"
#include "data/transpose.h"

namespace minnow::data {
namespace {

constexpr int kFractionBits = 22;
constexpr int32_t kOne = int32_t{1} << kFractionBits;
constexpr int32_t kHalf = int32_t{1} << (kFractionBits - 1);
constexpr size_t kKeptScratchBytes = size_t{16} << 20;

struct Taps {
  int count = 0;                // taps per output pixel (the widest footprint)
  std::vector<int> first;       // per output pixel: the first input pixel read
  std::vector<int> used;        // per output pixel: how many of its count taps are non-zero
  std::vector<int32_t> weight;  // per output pixel: count weights, summing to kOne
};

Taps make_taps(int in, int out) {
  const double scale = static_cast<double>(in) / out;
  const double radius = std::max(scale, 1.0);  // of the triangle, in input pixels
  Taps taps;
  taps.count = static_cast<int>(std::ceil(radius)) * 2 + 1;
  taps.first.resize(static_cast<size_t>(out));
  taps.used.resize(static_cast<size_t>(out));
  taps.weight.assign(static_cast<size_t>(out) * taps.count, 0);
  std::vector<double> w(static_cast<size_t>(taps.count));
  for (int o = 0; o < out; ++o) {
    const double centre = (o + 0.5) * scale;
    const int lo = std::max(0, static_cast<int>(centre - radius + 0.5));
    const int hi = std::min(in, static_cast<int>(centre + radius + 0.5));
    const int n = std::min(hi - lo, taps.count);
    double total = 0;
    for (int k = 0; k < n; ++k) {
      const double x = (lo + k + 0.5 - centre) / radius;
      w[static_cast<size_t>(k)] = std::max(0.0, 1.0 - std::abs(x));
      total += w[static_cast<size_t>(k)];
    }
    taps.first[static_cast<size_t>(o)] = lo;
    taps.used[static_cast<size_t>(o)] = n;
    int32_t* dst = taps.weight.data() + static_cast<size_t>(o) * taps.count;
    for (int k = 0; k < n; ++k) {
      dst[k] = total > 0 ? static_cast<int32_t>(std::lround(w[static_cast<size_t>(k)] / total * kOne)) : 0;
    }
  }
  return taps;
}

// Resamples along y: dst row o (row_bytes bytes, at dst + o * dst_stride) is
// the taps-weighted sum of src rows first[o] .. first[o] + used[o] - 1. The
// inner loop runs along a row, so it vectorises: in 16 int32 lanes where the
// CPU has AVX-512 (x86-64-v4), in 8 where it has AVX2.
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default"))) void resample_down(
    const uint8_t* src, size_t src_stride, size_t row_bytes, const Taps& taps, int out_rows, uint8_t* dst,
    size_t dst_stride) {
  std::vector<int32_t> sum(row_bytes);
  for (int o = 0; o < out_rows; ++o) {
    const int32_t* w = taps.weight.data() + static_cast<size_t>(o) * taps.count;
    const uint8_t* first = src + static_cast<size_t>(taps.first[static_cast<size_t>(o)]) * src_stride;
    std::fill(sum.begin(), sum.end(), kHalf);
    for (int k = 0; k < taps.used[static_cast<size_t>(o)]; ++k) {
      const uint8_t* row = first + static_cast<size_t>(k) * src_stride;
      const int32_t wk = w[k];
      for (size_t i = 0; i < row_bytes; ++i) sum[i] += wk * row[i];
    }
    uint8_t* out = dst + static_cast<size_t>(o) * dst_stride;
    for (size_t i = 0; i < row_bytes; ++i) out[i] = static_cast<uint8_t>(std::clamp(sum[i] >> kFractionBits, 0, 255));
  }
}

}  // namespace

Image resample_region(const Image& image, int top, int left, int height, int width, int out_height, int out_width) {
  MINNOW_CHECK(top >= 0 && left >= 0 && height > 0 && width > 0 && top + height <= image.height &&
                   left + width <= image.width,
               "resize: region (top ", top, ", left ", left, ", ", height, "x", width, ") outside the ",
               image.height, "x", image.width, " image");
  MINNOW_CHECK(out_height > 0 && out_width > 0, "resize: output ", out_height, "x", out_width,
               ", expected both sides > 0");
  const auto c = static_cast<size_t>(image.channels);
  // Scratch kept per thread: loader threads resize an image each, and fresh
  // buffers of this size would cost a page fault per 4 KiB every time.
  thread_local std::vector<uint8_t> flipped;
  thread_local std::vector<uint8_t> across;
  thread_local std::vector<uint8_t> back;
  // Along x first, as PIL does (each pass rounds to 8 bits, so the order shows
  // in the last bit): the window transposed to width x height, resampled along
  // its rows to out_width x height, and transposed back to height x out_width.
  flipped.resize(static_cast<size_t>(height) * width * c);
  transpose_pixels(image.at(top, left), static_cast<size_t>(image.width) * c, height, width, image.channels,
                   flipped.data());
  across.resize(static_cast<size_t>(out_width) * height * c);
  resample_down(flipped.data(), height * c, height * c, make_taps(width, out_width), out_width, across.data(),
                height * c);
  back.resize(across.size());
  transpose_pixels(across.data(), height * c, out_width, height, image.channels, back.data());
  // Then along y: height x out_width becomes out_height x out_width.
  Image out = Image::zeros(out_height, out_width, image.channels);
  resample_down(back.data(), out_width * c, out_width * c, make_taps(height, out_height), out_height,
                out.pixels.data(), out_width * c);
  // One huge image must not leave a loader thread holding its scratch for good.
  for (auto* scratch : {&flipped, &across, &back}) {
    if (scratch->capacity() > kKeptScratchBytes) std::vector<uint8_t>().swap(*scratch);
  }
  return out;
}

}  // namespace minnow::data
