// Image decoding from memory, hardened: JPEG through libjpeg-turbo (data/jpeg.h,
// with DCT-domain downscaling), PNG and BMP through stb_image. The header is
// read first and images over a pixel cap are refused before any pixel memory
// is allocated. Reading files and bad-image policy live in data/folder.cpp.
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
  // Empty: the whole image at full size. Otherwise a JPEG asks it what to
  // decode (data/image.h's DecodeRequest) and returns just the requested
  // region, at the smallest of 1, 1/2, 1/4 and 1/8 that still covers
  // min_size; PNG and BMP never ask, and decode whole at full size.
  DecodeRequester request{};
};

// Decodes bytes into an Image with options.channels channels. name (the file)
// starts every error message. region: where a decoder that decoded just the
// requested region may leave the columns it decoded around it (saving a
// copy), and then says where in the image the region lies; without region
// the image is exactly the region. A decoder that decodes whole leaves
// *region as it was.
Image decode_image(std::span<const uint8_t> bytes, const DecodeOptions& options, const std::string& name,
                   PixelBox* region = nullptr);

// Sides above this are refused (stb_image's STBI_MAX_DIMENSIONS, and the same for JPEG).
inline constexpr int kMaxImageSide = 1 << 15;

// The checks every decoder makes on a header's size before allocating pixels:
// both sides in 1..kMaxImageSide, and width * height at most max_pixels.
void check_image_size(int width, int height, int64_t max_pixels, const std::string& name);

}  // namespace minnow::data
