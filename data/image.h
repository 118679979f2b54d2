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

// Given an image's full size from its header, the smallest size the caller
// will still use all of (Transform::min_source_size): decoders that can
// produce a smaller image directly (JPEG, data/jpeg.h) may stop there.
using SizeRequest = std::function<ImageSize(ImageSize full)>;

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
