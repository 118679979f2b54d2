// Image: 8-bit pixels in (H, W, C) order, the form every dataset hands out
// before transforms. Decoding files into Images lives in data/decode.h, and
// geometric and colour operations on them in data/image_ops.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace minnow::data {

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
