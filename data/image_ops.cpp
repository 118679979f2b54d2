// Pixel loops for data/image_ops.h. Resizing is data/resample.h's; everything
// else is a short loop over bytes.
#include "data/image_ops.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

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

namespace {

// C is a template argument for the usual 1 and 3 channels (0: image.channels),
// so that swapping two pixels is a few byte moves.
template <int C>
void flip_rows(Image& image) {
  const size_t c = C > 0 ? C : static_cast<size_t>(image.channels);
  for (int y = 0; y < image.height; ++y) {
    uint8_t* row = image.at(y, 0);
    for (size_t l = 0, r = static_cast<size_t>(image.width) - 1; l < r; ++l, --r) {
      for (size_t ch = 0; ch < c; ++ch) std::swap(row[l * c + ch], row[r * c + ch]);
    }
  }
}

}  // namespace

void flip_horizontal(Image& image) {
  if (image.width < 2) return;
  if (image.channels == 3) {
    flip_rows<3>(image);
  } else if (image.channels == 1) {
    flip_rows<1>(image);
  } else {
    flip_rows<0>(image);
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

namespace {

// One table per channel turns the per-pixel arithmetic into a lookup. C is a
// template argument for the usual 1 and 3 channels (0: image.channels), so that
// a pixel's channels are read together and written to their planes in one pass.
template <int C>
void write_chw_pass(const Image& image, const std::vector<std::array<float, 256>>& tables, bool mirrored,
                    float* out) {
  const size_t c = C > 0 ? C : static_cast<size_t>(image.channels);
  const size_t plane = static_cast<size_t>(image.height) * image.width;
  const auto width = static_cast<size_t>(image.width);
  for (int y = 0; y < image.height; ++y) {
    const uint8_t* row = image.at(y, 0);
    float* dst = out + static_cast<size_t>(y) * width;
    for (size_t x = 0; x < width; ++x) {
      const uint8_t* pixel = row + (mirrored ? width - 1 - x : x) * c;
      for (size_t ch = 0; ch < c; ++ch) dst[ch * plane + x] = tables[ch][pixel[ch]];
    }
  }
}

}  // namespace

void write_chw(const Image& image, std::span<const float> mean, std::span<const float> std, std::span<float> out,
               bool mirrored) {
  const int c = image.channels;
  const size_t plane = static_cast<size_t>(image.height) * image.width;
  MINNOW_CHECK(out.size() == plane * c, "image: write_chw needs ", plane * c, " floats, got ", out.size());
  MINNOW_CHECK(mean.size() == std.size() && (mean.empty() || mean.size() == static_cast<size_t>(c)),
               "normalize: ", mean.size(), " means and ", std.size(), " stds for a ", c,
               "-channel image, expected ", c, " of each (or none)");
  std::vector<std::array<float, 256>> tables(static_cast<size_t>(c));
  for (size_t ch = 0; ch < tables.size(); ++ch) {
    const float m = mean.empty() ? 0.0f : mean[ch];
    const float s = std.empty() ? 1.0f : std[ch];
    for (int v = 0; v < 256; ++v) tables[ch][static_cast<size_t>(v)] = (static_cast<float>(v) / 255.0f - m) / s;
  }
  if (c == 3) {
    write_chw_pass<3>(image, tables, mirrored, out.data());
  } else if (c == 1) {
    write_chw_pass<1>(image, tables, mirrored, out.data());
  } else {
    write_chw_pass<0>(image, tables, mirrored, out.data());
  }
}

}  // namespace minnow::data
