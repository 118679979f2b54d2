// The one Image factory; everything that reads or changes pixels lives in
// data/decode.cpp and data/image_ops.cpp.
#include "data/image.h"

#include "core/error.h"

namespace minnow::data {

Image Image::zeros(int height, int width, int channels) {
  MINNOW_CHECK(height > 0 && width > 0 && channels > 0, "image: expected positive height, width and channels, got ",
               height, "x", width, "x", channels);
  Image image{.height = height, .width = width, .channels = channels, .pixels = {}};
  image.pixels.assign(static_cast<size_t>(height) * width * channels, 0);
  return image;
}

}  // namespace minnow::data
