// Resampling of 8-bit (H, W, C) images with the triangle (bilinear) filter,
// separable: rows first, then columns. Output pixel o of an axis of n input
// and m output pixels has its centre at (o + 0.5) * n / m in the input; the
// triangle's radius is one input pixel when enlarging and n / m input pixels
// when shrinking, so that shrinking averages every input pixel under the
// footprint (antialiasing). Weights are normalised per output pixel (the
// footprint is cut at the region's edges) and applied in fixed point with
// 22 fraction bits; each pass rounds to 8 bits. This is the definition
// PIL's Image.resize(BILINEAR) uses, and torchvision's PIL transforms with it;
// tests/data/test_resample.cpp checks the two agree to one level.
#pragma once

#include "data/image.h"

namespace minnow::data {

// The window (top, left, height, width) of image, which must lie inside it,
// resampled to out_height x out_width. image has 1 or 3 channels.
Image resample_region(const Image& image, int top, int left, int height, int width, int out_height, int out_width);

}  // namespace minnow::data
