// Decoding part of a JPEG: the rows and columns a random crop reads, at a DCT
// scale, through libjpeg's own API (libjpeg-turbo's libjpeg62-turbo-dev),
// because TurboJPEG 2.1 cannot crop. Rows above the region are skipped
// (jpeg_skip_scanlines: entropy-decoded, not transformed), rows below it are
// never decoded, and columns outside it skip the inverse DCT and colour
// conversion (jpeg_crop_scanline). data/jpeg.cpp calls it.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "data/image.h"

namespace minnow::data {

// The pixels of box, which lies inside the image scaled by 1/denominator
// (1, 2, 4 or 8), as channels (1 or 3) channels; cmyk: the file is CMYK or
// YCCK (converted as decode_image does). Errors, warnings included, are
// minnow::Errors naming name, as decode_jpeg's are. With placed, the image
// keeps the columns decoded around box (no copy to cut them off), and
// *placed says where box lies in it.
Image decode_jpeg_box(std::span<const uint8_t> bytes, int channels, bool cmyk, int denominator, PixelBox box,
                      const std::string& name, PixelBox* placed = nullptr);

}  // namespace minnow::data
