// Routes JPEG to libjpeg-turbo (data/jpeg.cpp) and everything else to
// stb_image, whose implementation lives in this file only, compiled with just
// the PNG and BMP decoders, no stdio and a hard side limit, and with static
// linkage so no stbi_ symbol leaves libminnow. stb keeps its failure reason
// per thread, so loader threads decode in parallel.
#include "data/decode.h"

#include <cstdlib>
#include <memory>

#include "core/error.h"
#include "data/jpeg.h"
#include "data/stb_guard.h"

#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#define STBI_ONLY_BMP
#define STBI_NO_STDIO
#define STBI_NO_LINEAR
#define STBI_NO_HDR
#define STBI_MAX_DIMENSIONS ::minnow::data::kMaxImageSide
// Zeroed allocations, a habit kept from when stb also decoded JPEG (an input
// fuzz_image found made it read an unwritten buffer). stb casts what these
// return C-style, which the warnings would lay at these lines.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wold-style-cast"
#define STBI_MALLOC(size) std::calloc(1, size)
#define STBI_REALLOC(pointer, size) std::realloc(pointer, size)
#define STBI_FREE(pointer) std::free(pointer)
#include <stb_image.h>
#pragma GCC diagnostic pop

namespace minnow::data {
namespace {

// stb's reason, printable: for an unknown PNG chunk it copies the chunk's raw
// type bytes into the text (into a static buffer that concurrent decodes may
// both write; at worst the text is garbled, so it is only ever shown).
std::string failure_reason() {
  const char* reason = stbi_failure_reason();
  std::string text = reason != nullptr ? reason : "no reason given";
  for (char& c : text) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return text;
}

}  // namespace

void check_image_size(int width, int height, int64_t max_pixels, const std::string& name) {
  // stb_image accepts a BMP header with a zero width or height and "decodes" it to no pixels.
  MINNOW_CHECK(width > 0 && height > 0, "image: ", name, ": header says ", width, "x", height,
               " pixels; expected a width and a height of at least 1");
  MINNOW_CHECK(width <= kMaxImageSide && height <= kMaxImageSide, "image: ", name, ": header says ", width, "x",
               height, " pixels; expected sides of at most ", kMaxImageSide);
  const int64_t pixels = int64_t{width} * height;
  MINNOW_CHECK(pixels <= max_pixels, "image: ", name, ": ", width, "x", height, " = ", pixels,
               " pixels, over the cap of ", max_pixels, " (max_pixels)");
}

Image decode_image(std::span<const uint8_t> bytes, const DecodeOptions& options, const std::string& name,
                   PixelBox* region) {
  MINNOW_CHECK(options.channels == 1 || options.channels == 3, "image: ", name, ": channels ", options.channels,
               ", expected 1 or 3");
  MINNOW_CHECK(!bytes.empty(), "image: ", name, ": empty file");
  MINNOW_CHECK(bytes.size() <= static_cast<size_t>(INT32_MAX), "image: ", name, ": ", bytes.size(),
               " bytes, more than the decoder's 2 GiB limit");
  if (is_jpeg(bytes)) return decode_jpeg(bytes, options, name, region);
  check_before_stb(bytes, name);
  const auto* data = reinterpret_cast<const stbi_uc*>(bytes.data());
  const int len = static_cast<int>(bytes.size());
  int width = 0;
  int height = 0;
  int file_channels = 0;
  MINNOW_CHECK(stbi_info_from_memory(data, len, &width, &height, &file_channels) == 1, "image: ", name,
               ": not a readable JPEG, PNG or BMP header (stb_image: ", failure_reason(), ")");
  check_image_size(width, height, options.max_pixels, name);
  int got_w = 0;
  int got_h = 0;
  std::unique_ptr<stbi_uc, decltype(&stbi_image_free)> decoded(
      stbi_load_from_memory(data, len, &got_w, &got_h, &file_channels, options.channels), &stbi_image_free);
  MINNOW_CHECK(decoded != nullptr, "image: ", name, ": cannot decode ", width, "x", height,
               " image (stb_image: ", failure_reason(), ")");
  MINNOW_CHECK(got_w == width && got_h == height, "image: ", name, ": header says ", width, "x", height,
               " but decoded ", got_w, "x", got_h);
  Image image{.height = got_h, .width = got_w, .channels = options.channels, .pixels = {}};
  const size_t size = static_cast<size_t>(got_w) * got_h * options.channels;
  image.pixels.assign(decoded.get(), decoded.get() + size);
  return image;
}

}  // namespace minnow::data
