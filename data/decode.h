// Image decoding from memory: JPEG, PNG and BMP through stb_image, hardened.
// The header is read first (stbi_info) and images over a pixel cap are refused
// before any pixel memory is allocated. Reading files and bad-image policy
// live in data/folder.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "data/image.h"

namespace minnow::data {

// The default cap on width * height: PIL's decompression-bomb limit (a 2^30-byte RGBA image / 12).
inline constexpr int64_t kDefaultMaxPixels = 89'478'485;

struct DecodeOptions {
  int channels = 3;                           // 1 (luma) or 3 (RGB); alpha is dropped, gray is replicated
  int64_t max_pixels = kDefaultMaxPixels;     // width * height above this is refused
};

// Decodes bytes into an Image with options.channels channels. name (the file)
// starts every error message.
Image decode_image(std::span<const uint8_t> bytes, const DecodeOptions& options, const std::string& name);

// Sides above this are refused by stb_image itself (STBI_MAX_DIMENSIONS).
inline constexpr int kMaxImageSide = 1 << 15;

}  // namespace minnow::data
