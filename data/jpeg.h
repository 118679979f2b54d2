// JPEG decoding through libjpeg-turbo, doing no more than the caller asks
// (DecodeOptions::request): when it needs fewer pixels than the file holds,
// the image is decoded at 1/2, 1/4 or 1/8 of its size directly from the DCT
// coefficients, and when it reads only a region (a random crop), only that
// region is decoded (data/jpeg_region.h). Whole images go through the
// TurboJPEG API.
// data/decode.h picks this decoder for any input that starts with a JPEG
// start-of-image marker; PNG and BMP go to stb_image.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "data/decode.h"

namespace minnow::data {

// True when bytes start with a JPEG start-of-image marker (FF D8 FF).
bool is_jpeg(std::span<const uint8_t> bytes);

// The smallest of the scales 1, 1/2, 1/4 and 1/8 at which an image of size full
// still covers want in both sides (libjpeg-turbo rounds a scaled side up).
// Returns the denominator: 1, 2, 4 or 8.
int jpeg_scale_denominator(ImageSize full, ImageSize want);

// Decodes a JPEG as decode_image does (same checks, same messages): the
// region options.request names, at the scale its min_size allows. Baseline,
// progressive, grayscale and CMYK/YCCK files are read; any libjpeg-turbo
// warning (a truncated file, corrupt entropy-coded data) is an error, and
// progressive files with more than 500 scans are refused. region as
// decode_image's.
Image decode_jpeg(std::span<const uint8_t> bytes, const DecodeOptions& options, const std::string& name,
                  PixelBox* region = nullptr);

}  // namespace minnow::data
