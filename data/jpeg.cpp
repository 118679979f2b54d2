// Each thread keeps one TurboJPEG decompressor (creating one per image costs
// more than decoding a thumbnail), so loader threads decode in parallel and
// the error text tjGetErrorStr2 returns belongs to this thread's last call.
// A decompressor that failed is thrown away: libjpeg-turbo 2.1 leaves it in a
// state where the next, valid, file fails too (a test found this).
#include "data/jpeg.h"

#include <turbojpeg.h>

#include <algorithm>
#include <memory>

#include "core/error.h"
#include "data/image_ops.h"
#include "data/jpeg_region.h"

namespace minnow::data {
namespace {

struct DecompressorDeleter {
  void operator()(void* handle) const { tjDestroy(handle); }
};

using Decompressor = std::unique_ptr<void, DecompressorDeleter>;

Decompressor& thread_decompressor() {
  thread_local Decompressor handle;
  if (handle == nullptr) handle.reset(tjInitDecompress());
  MINNOW_CHECK(handle != nullptr, "image: cannot create a libjpeg-turbo decompressor (", tjGetErrorStr2(nullptr),
               ")");
  return handle;
}

// The reason the last call on this thread's decompressor failed; the decompressor is discarded.
std::string failure_reason(Decompressor& handle) {
  const char* text = tjGetErrorStr2(handle.get());
  std::string reason = text != nullptr ? text : "no reason given";
  handle.reset();
  return reason;
}

int scaled(int side, int denominator) { return (side + denominator - 1) / denominator; }

// Adobe writes CMYK inverted (0 is full ink), which is what libjpeg-turbo hands
// back; each colour channel is then its own value times K, as in stb_image.
Image cmyk_to_rgb(const std::vector<uint8_t>& cmyk, int height, int width) {
  Image rgb = Image::zeros(height, width, 3);
  const size_t pixels = static_cast<size_t>(height) * width;
  for (size_t i = 0; i < pixels; ++i) {
    const unsigned k = cmyk[4 * i + 3];
    for (size_t c = 0; c < 3; ++c) rgb.pixels[3 * i + c] = static_cast<uint8_t>((cmyk[4 * i + c] * k + 127) / 255);
  }
  return rgb;
}

// The whole image at 1/denominator, through TurboJPEG; CMYK files come back as 4 channels.
Image decode_whole(Decompressor& handle, std::span<const uint8_t> bytes, int channels, bool cmyk, int denominator,
                   ImageSize full, const std::string& name) {
  const int out_w = scaled(full.width, denominator);
  const int out_h = scaled(full.height, denominator);
  const int format = cmyk ? TJPF_CMYK : channels == 1 ? TJPF_GRAY : TJPF_RGB;
  const int format_channels = cmyk ? 4 : channels;
  std::vector<uint8_t> pixels(static_cast<size_t>(out_w) * out_h * format_channels);
  if (tjDecompress2(handle.get(), bytes.data(), static_cast<unsigned long>(bytes.size()), pixels.data(), out_w,
                    out_w * format_channels, out_h, format, TJFLAG_STOPONWARNING | TJFLAG_LIMITSCANS) != 0) {
    MINNOW_FAIL("image: ", name, ": cannot decode ", full.width, "x", full.height, " image (libjpeg-turbo: ",
                failure_reason(handle), ")");
  }
  return Image{.height = out_h, .width = out_w, .channels = format_channels, .pixels = std::move(pixels)};
}

// region of the full image, at 1/denominator: the scaled pixels it covers, rounded outwards.
PixelBox scaled_box(PixelBox region, ImageSize full, int denominator) {
  MINNOW_CHECK(region.top >= 0 && region.left >= 0 && region.height > 0 && region.width > 0 &&
                   region.top + region.height <= full.height && region.left + region.width <= full.width,
               "image: requested region (top ", region.top, ", left ", region.left, ", ", region.height, "x",
               region.width, ") outside the ", full.height, "x", full.width, " image");
  const int top = region.top / denominator;
  const int left = region.left / denominator;
  const int bottom = scaled(region.top + region.height, denominator);
  const int right = scaled(region.left + region.width, denominator);
  return {.top = top, .left = left, .height = bottom - top, .width = right - left};
}

}  // namespace

bool is_jpeg(std::span<const uint8_t> bytes) {
  return bytes.size() >= 3 && bytes[0] == 0xFF && bytes[1] == 0xD8 && bytes[2] == 0xFF;
}

int jpeg_scale_denominator(ImageSize full, ImageSize want) {
  int chosen = 1;
  for (int denominator : {2, 4, 8}) {
    if (scaled(full.width, denominator) < want.width || scaled(full.height, denominator) < want.height) break;
    chosen = denominator;
  }
  return chosen;
}

Image decode_jpeg(std::span<const uint8_t> bytes, const DecodeOptions& options, const std::string& name,
                  PixelBox* region) {
  Decompressor& handle = thread_decompressor();
  const auto* data = bytes.data();
  const auto size = static_cast<unsigned long>(bytes.size());
  int width = 0;
  int height = 0;
  int subsampling = 0;
  int colorspace = 0;
  if (tjDecompressHeader3(handle.get(), data, size, &width, &height, &subsampling, &colorspace) != 0) {
    MINNOW_FAIL("image: ", name, ": not a readable JPEG header (libjpeg-turbo: ", failure_reason(handle), ")");
  }
  // A file that ends before its frame header reads as tables only: no error, and no size.
  MINNOW_CHECK(width > 0 && height > 0, "image: ", name,
               ": not a readable JPEG header (libjpeg-turbo: the file ends before a frame header gives the size)");
  check_image_size(width, height, options.max_pixels, name);
  const DecodeRequest request =
      options.request ? options.request({width, height}) : DecodeRequest{.min_size = {width, height}, .region = {}};
  const int denominator = jpeg_scale_denominator({width, height}, request.min_size);
  const bool cmyk = colorspace == TJCS_CMYK || colorspace == TJCS_YCCK;
  Image decoded = request.region.height > 0
                      ? decode_jpeg_box(bytes, options.channels, cmyk, denominator,
                                        scaled_box(request.region, {width, height}, denominator), name, region)
                      : decode_whole(handle, bytes, options.channels, cmyk, denominator, {width, height}, name);
  if (!cmyk) return decoded;
  Image rgb = cmyk_to_rgb(decoded.pixels, decoded.height, decoded.width);
  return options.channels == 3 ? rgb : convert_channels(rgb, 1);
}

}  // namespace minnow::data
