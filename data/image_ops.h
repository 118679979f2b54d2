// Pixel operations on 8-bit (H, W, C) Images, each deterministic and free of
// randomness: crops, resizing, flips, colour adjustments, channel conversion,
// and the final conversion to normalised float (C, H, W). The random choices
// that drive them live in data/transform.cpp.
#pragma once

#include <span>

#include "data/image.h"

namespace minnow::data {

// The height x width window whose top-left corner is (top, left); the window
// may reach outside the image, where it is filled with zeros (padding).
Image crop(const Image& image, int top, int left, int height, int width);

// The window (top, left, height, width), which must lie inside the image,
// resized to out_height x out_width with a bilinear (triangle) filter that
// averages over the footprint when shrinking: PIL's BILINEAR (data/resample.h).
Image resize_region(const Image& image, int top, int left, int height, int width, int out_height, int out_width);
Image resize(const Image& image, int out_height, int out_width);

// Resizes so the shorter side becomes size, keeping the aspect ratio; the
// longer side may not exceed kMaxResizeSide.
inline constexpr int kMaxResizeSide = 1 << 15;
Image resize_shorter_side(const Image& image, int size);

void flip_horizontal(Image& image);

// Colour adjustments with torchvision's definitions (factor 1 leaves the image
// unchanged): brightness scales, contrast blends with the mean luma,
// saturation blends with the per-pixel luma.
void adjust_brightness(Image& image, float factor);
void adjust_contrast(Image& image, float factor);
void adjust_saturation(Image& image, float factor);

// 3 -> 1 channels by ITU-R 601 luma, 1 -> 3 by replication.
Image convert_channels(const Image& image, int channels);

// Writes (pixel / 255 - mean[c]) / std[c] in (C, H, W) order into out, which
// holds channels * height * width floats. Empty mean and std mean 0 and 1.
// mirrored writes the image flipped left to right, as flip_horizontal would,
// without a pass of its own.
void write_chw(const Image& image, std::span<const float> mean, std::span<const float> std, std::span<float> out,
               bool mirrored = false);

}  // namespace minnow::data
