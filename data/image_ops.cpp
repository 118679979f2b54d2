// Pixel loops for data/image_ops.h. Resizing is data/resample.h's; everything
// else is a short loop over bytes.
#include "data/image_ops.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/error.h"
#include "data/resample.h"

namespace minnow::data {
namespace {

uint8_t saturate(float v) { return static_cast<uint8_t>(std::clamp(std::nearbyint(v), 0.0f, 255.0f)); }

float luma(const uint8_t* p) { return 0.299f * p[0] + 0.587f * p[1] + 0.114f * p[2]; }

// Blends every byte toward grey: out = factor * p + (1 - factor) * grey.
void blend_with(Image& image, float factor, float grey) {
  for (auto& p : image.pixels) p = saturate(factor * p + (1.0f - factor) * grey);
}

}  // namespace

Image crop(const Image& image, int top, int left, int height, int width) {
  Image out = Image::zeros(height, width, image.channels);
  const int y0 = std::max(0, -top);
  const int y1 = std::min(height, image.height - top);
  const int x0 = std::max(0, -left);
  const int x1 = std::min(width, image.width - left);
  if (x0 >= x1) return out;
  const size_t row_bytes = static_cast<size_t>(x1 - x0) * image.channels;
  for (int y = y0; y < y1; ++y) std::copy_n(image.at(top + y, left + x0), row_bytes, out.at(y, x0));
  return out;
}

Image resize_region(const Image& image, int top, int left, int height, int width, int out_height, int out_width) {
  return resample_region(image, top, left, height, width, out_height, out_width);
}

Image resize(const Image& image, int out_height, int out_width) {
  if (out_height == image.height && out_width == image.width) return image;
  return resize_region(image, 0, 0, image.height, image.width, out_height, out_width);
}

Image resize_shorter_side(const Image& image, int size) {
  MINNOW_CHECK(size > 0, "resize: shorter side ", size, ", expected > 0");
  MINNOW_CHECK(image.width > 0 && image.height > 0, "resize: input image is ", image.width, "x", image.height,
               ", expected both sides > 0");
  const bool tall = image.height > image.width;
  const int64_t longer = int64_t{size} * (tall ? image.height : image.width) / (tall ? image.width : image.height);
  MINNOW_CHECK(longer <= kMaxResizeSide, "resize: ", image.width, "x", image.height, " to shorter side ", size,
               " makes a side of ", longer, ", over ", kMaxResizeSide);
  const int other = std::max(1, static_cast<int>(longer));
  return tall ? resize(image, other, size) : resize(image, size, other);
}

void flip_horizontal(Image& image) {
  const int c = image.channels;
  for (int y = 0; y < image.height; ++y) {
    for (int l = 0, r = image.width - 1; l < r; ++l, --r) {
      std::swap_ranges(image.at(y, l), image.at(y, l) + c, image.at(y, r));
    }
  }
}

void adjust_brightness(Image& image, float factor) {
  for (auto& p : image.pixels) p = saturate(factor * p);
}

void adjust_contrast(Image& image, float factor) {
  double sum = 0;
  const size_t n = static_cast<size_t>(image.height) * image.width;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* p = image.pixels.data() + i * image.channels;
    sum += image.channels == 3 ? luma(p) : p[0];
  }
  blend_with(image, factor, static_cast<float>(sum / static_cast<double>(n)));
}

void adjust_saturation(Image& image, float factor) {
  if (image.channels != 3) return;
  for (size_t i = 0; i < image.pixels.size(); i += 3) {
    uint8_t* p = image.pixels.data() + i;
    const float grey = luma(p);
    for (int c = 0; c < 3; ++c) p[c] = saturate(factor * p[c] + (1.0f - factor) * grey);
  }
}

Image convert_channels(const Image& image, int channels) {
  MINNOW_CHECK(channels == 1 || channels == 3, "image: convert to ", channels, " channels, expected 1 or 3");
  MINNOW_CHECK(image.channels == 1 || image.channels == 3, "image: convert from ", image.channels,
               " channels, expected 1 or 3");
  if (image.channels == channels) return image;
  Image out = Image::zeros(image.height, image.width, channels);
  const size_t n = static_cast<size_t>(image.height) * image.width;
  for (size_t i = 0; i < n; ++i) {
    if (channels == 1) {
      out.pixels[i] = saturate(luma(image.pixels.data() + 3 * i));
    } else {
      std::fill_n(out.pixels.data() + 3 * i, 3, image.pixels[i]);
    }
  }
  return out;
}

void write_chw(const Image& image, std::span<const float> mean, std::span<const float> std, std::span<float> out) {
  const int c = image.channels;
  const size_t plane = static_cast<size_t>(image.height) * image.width;
  MINNOW_CHECK(out.size() == plane * c, "image: write_chw needs ", plane * c, " floats, got ", out.size());
  MINNOW_CHECK(mean.size() == std.size() && (mean.empty() || mean.size() == static_cast<size_t>(c)),
               "normalize: ", mean.size(), " means and ", std.size(), " stds for a ", c,
               "-channel image, expected ", c, " of each (or none)");
  for (int ch = 0; ch < c; ++ch) {
    // One table per channel turns the per-pixel work into a lookup.
    std::array<float, 256> table{};
    const float m = mean.empty() ? 0.0f : mean[static_cast<size_t>(ch)];
    const float s = std.empty() ? 1.0f : std[static_cast<size_t>(ch)];
    for (int v = 0; v < 256; ++v) table[static_cast<size_t>(v)] = (static_cast<float>(v) / 255.0f - m) / s;
    float* dst = out.data() + plane * ch;
    const uint8_t* src = image.pixels.data() + ch;
    for (size_t i = 0; i < plane; ++i) dst[i] = table[src[i * c]];
  }
}

}  // namespace minnow::data
