// libjpeg reports errors by calling error_exit, which must not return: it
// longjmps back into decode_box, a function that holds no C++ object with a
// destructor, so nothing is skipped by the jump. Warnings (a truncated file,
// corrupt data) end the decode the same way, as TJFLAG_STOPONWARNING does for
// the TurboJPEG path, and a progress monitor refuses a 501st scan, as
// TJFLAG_LIMITSCANS does.
#include "data/jpeg_region.h"

// jpeglib.h needs FILE and size_t declared first.
#include <cstddef>
#include <cstdio>
#include <csetjmp>
#include <jpeglib.h>

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "data/image_ops.h"

namespace minnow::data {
namespace {

constexpr int kMaxScans = 500;

struct ErrorManager {
  jpeg_error_mgr pub;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};

[[noreturn]] void on_error(j_common_ptr cinfo) {
  auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, err->message);
  std::longjmp(err->jump, 1);
}

// Level -1 is a warning (corrupt data); higher levels are trace messages.
void on_message(j_common_ptr cinfo, int level) {
  if (level < 0) on_error(cinfo);
}

void on_progress(j_common_ptr cinfo) {
  auto* d = reinterpret_cast<j_decompress_ptr>(cinfo);
  if (d->progressive_mode && d->input_scan_number > kMaxScans) {
    auto* err = reinterpret_cast<ErrorManager*>(cinfo->err);
    std::snprintf(err->message, sizeof(err->message), "progressive JPEG with more than %d scans", kMaxScans);
    std::longjmp(err->jump, 1);
  }
}

struct Request {
  const uint8_t* data;
  unsigned long size;
  J_COLOR_SPACE colour;
  int components;
  int denominator;
  PixelBox box;
  // Out: the band decoded, box.height rows of band_width pixels from column
  // band_left, box included.
  std::vector<uint8_t>* pixels;
  int band_left;
  int band_width;
};

// True on success; otherwise err.message says why. Plain C below setjmp, but
// for the one allocation, whose failure destroys cinfo before it propagates.
bool decode_box(Request& r, ErrorManager& err) {
  jpeg_decompress_struct cinfo;
  jpeg_progress_mgr progress;
  cinfo.err = jpeg_std_error(&err.pub);
  err.pub.error_exit = on_error;
  err.pub.emit_message = on_message;
  err.message[0] = '\0';
  if (setjmp(err.jump) != 0) {
    jpeg_destroy_decompress(&cinfo);
    return false;
  }
  jpeg_create_decompress(&cinfo);
  progress.progress_monitor = on_progress;
  cinfo.progress = &progress;
  jpeg_mem_src(&cinfo, r.data, r.size);
  jpeg_read_header(&cinfo, TRUE);
  cinfo.scale_num = 1;
  cinfo.scale_denom = static_cast<unsigned>(r.denominator);
  cinfo.out_color_space = r.colour;
  jpeg_start_decompress(&cinfo);
  // Fancy upsampling treats the band's first and last columns as the image's
  // edges, and an output pixel blends its chroma sample with a neighbour's. So
  // the band reaches one chroma sample (max_h_samp_factor output pixels) past
  // the box on each side where it can (without it, a 4:2:0 box differed by up
  // to 2 levels in its edge columns); jpeg_crop_scanline then widens the left
  // to a whole iMCU column. tests/data/test_jpeg.cpp compares random boxes at
  // four subsamplings with the whole decode (with no margin, 110 comparisons
  // there fail).
  const int margin = cinfo.max_h_samp_factor;
  const int left = std::max(0, r.box.left - margin);
  const int right = std::min(static_cast<int>(cinfo.output_width), r.box.left + r.box.width + margin);
  JDIMENSION x = static_cast<JDIMENSION>(left);
  JDIMENSION width = static_cast<JDIMENSION>(right - left);
  jpeg_crop_scanline(&cinfo, &x, &width);
  r.band_left = static_cast<int>(x);
  r.band_width = static_cast<int>(width);
  const size_t row_bytes = static_cast<size_t>(width) * static_cast<size_t>(r.components);
  try {
    r.pixels->resize(row_bytes * static_cast<size_t>(r.box.height));
  } catch (...) {
    jpeg_destroy_decompress(&cinfo);
    throw;
  }
  // libjpeg-turbo's skip keeps the upsampling context: the rows come out as a whole decode has them.
  if (r.box.top > 0) jpeg_skip_scanlines(&cinfo, static_cast<JDIMENSION>(r.box.top));
  // Straight into the band, up to 16 rows a call: fewer calls cost the decoder less.
  constexpr int kRowsPerCall = 16;
  JSAMPROW rows[kRowsPerCall];
  for (int y = 0; y < r.box.height;) {
    const int want = std::min(kRowsPerCall, r.box.height - y);
    for (int i = 0; i < want; ++i) rows[i] = r.pixels->data() + static_cast<size_t>(y + i) * row_bytes;
    const JDIMENSION got = jpeg_read_scanlines(&cinfo, rows, static_cast<JDIMENSION>(want));
    if (got == 0) {
      std::snprintf(err.message, sizeof err.message, "no scanline after row %d", r.box.top + y);
      jpeg_destroy_decompress(&cinfo);
      return false;
    }
    y += static_cast<int>(got);
  }
  jpeg_abort_decompress(&cinfo);  // the rows below the box are never decoded
  jpeg_destroy_decompress(&cinfo);
  return true;
}

}  // namespace

Image decode_jpeg_box(std::span<const uint8_t> bytes, int channels, bool cmyk, int denominator, PixelBox box,
                      const std::string& name, PixelBox* placed) {
  const int components = cmyk ? 4 : channels;
  Image band{.height = box.height, .width = 0, .channels = components, .pixels = {}};
  Request request{.data = bytes.data(),
                  .size = static_cast<unsigned long>(bytes.size()),
                  .colour = cmyk ? JCS_CMYK : channels == 1 ? JCS_GRAYSCALE : JCS_RGB,
                  .components = components,
                  .denominator = denominator,
                  .box = box,
                  .pixels = &band.pixels,
                  .band_left = 0,
                  .band_width = 0};
  ErrorManager err;
  MINNOW_CHECK(decode_box(request, err), "image: ", name, ": cannot decode the ", box.width, "x", box.height,
               " crop at (", box.left, ", ", box.top, ") (libjpeg-turbo: ", err.message, ")");
  band.width = request.band_width;
  const PixelBox in_band{.top = 0, .left = box.left - request.band_left, .height = box.height, .width = box.width};
  if (placed != nullptr) {
    *placed = in_band;
    return band;
  }
  return crop(band, in_band.top, in_band.left, in_band.height, in_band.width);
}

}  // namespace minnow::data
