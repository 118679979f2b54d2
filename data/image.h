// Image: 8-bit pixels in (H, W, C) order, the form every dataset hands out
// before transforms. Decoding files into Images lives in data/decode.h, and
// geometric and colour operations on them in data/image_ops.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace minnow::data {

struct ImageSize {
  int width = 0;
  int height = 0;
};

// A rectangle of an image, in pixels.
struct PixelBox {
  int top = 0;
  int left = 0;
  int height = 0;
  int width = 0;
};

// What a caller will read of an image (Transform::plan_source): region, a
// part of the full image (0 x 0: all of it), and min_size, the smallest size
// the full image may be scaled to with region still read at one source pixel
// per output pixel. A decoder that can do less than a full decode (JPEG,
// data/jpeg.h) then returns just region, scaled as far as min_size allows.
struct DecodeRequest {
  ImageSize min_size;
  PixelBox region;
};

// Asked by such a decoder, with the full size from the image's header: at
// most once, synchronously, inside the call that decodes, and only by a
// decoder that then returns exactly what it asked for (the loader's
// requester draws the random crop and records that it did).
using DecodeRequester = std::function<DecodeRequest(ImageSize full)>;

struct Image {
  int height = 0;
  int width = 0;
  int channels = 0;
  std::vector<uint8_t> pixels{};  // (H, W, C), height * width * channels bytes

  // A black image of the given size.
  static Image zeros(int height, int width, int channels);

  size_t bytes() const { return pixels.size(); }
  uint8_t* at(int y, int x) { return pixels.data() + (static_cast<size_t>(y) * width + x) * channels; }
  const uint8_t* at(int y, int x) const {
    return pixels.data() + (static_cast<size_t>(y) * width + x) * channels;
  }
};

}  // namespace minnow::data
