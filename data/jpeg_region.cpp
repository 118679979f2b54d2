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
#include <cstring>
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
  uint8_t* out;   // box.height x box.width x components
};

// True on success; otherwise err.message says why. Plain C below setjmp.
bool decode_box(const Request& r, ErrorManager& err) {
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
  const size_t skip = static_cast<size_t>(r.box.left) - x;
  // A band of cropped scanlines, from libjpeg's pool (freed with cinfo, also
  // after an error): one call per band, not per row, costs the decoder less.
  constexpr JDIMENSION kBandRows = 16;
  JSAMPARRAY band = (*cinfo.mem->alloc_sarray)(reinterpret_cast<j_common_ptr>(&cinfo), JPOOL_IMAGE,
                                               width * static_cast<JDIMENSION>(r.components), kBandRows);
  // libjpeg-turbo's skip keeps the upsampling context: the rows come out as a whole decode has them.
  if (r.box.top > 0) jpeg_skip_scanlines(&cinfo, static_cast<JDIMENSION>(r.box.top));
  const size_t row_bytes = static_cast<size_t>(r.box.width) * r.components;
  for (int y = 0; y < r.box.height;) {
    const auto left_to_read = static_cast<JDIMENSION>(r.box.height - y);
    const JDIMENSION rows = jpeg_read_scanlines(&cinfo, band, std::min(kBandRows, left_to_read));
    if (rows == 0) {
      std::snprintf(err.message, sizeof err.message, "no scanline after row %d", r.box.top + y);
      jpeg_destroy_decompress(&cinfo);
      return false;
    }
    for (JDIMENSION i = 0; i < rows; ++i, ++y) {
      std::memcpy(r.out + static_cast<size_t>(y) * row_bytes, band[i] + skip * r.components, row_bytes);
    }
  }
  jpeg_abort_decompress(&cinfo);  // the rows below the box are never decoded
  jpeg_destroy_decompress(&cinfo);
  return true;
}

}  // namespace

Image decode_jpeg_box(std::span<const uint8_t> bytes, int channels, bool cmyk, int denominator, PixelBox box,
                      const std::string& name) {
  const int components = cmyk ? 4 : channels;
  std::vector<uint8_t> pixels(static_cast<size_t>(box.height) * box.width * components);
  const Request request{.data = bytes.data(),
                        .size = static_cast<unsigned long>(bytes.size()),
                        .colour = cmyk ? JCS_CMYK : channels == 1 ? JCS_GRAYSCALE : JCS_RGB,
                        .components = components,
                        .denominator = denominator,
                        .box = box,
                        .out = pixels.data()};
  ErrorManager err;
  MINNOW_CHECK(decode_box(request, err), "image: ", name, ": cannot decode the ", box.width, "x", box.height,
               " crop at (", box.left, ", ", box.top, ") (libjpeg-turbo: ", err.message, ")");
  Image image{.height = box.height, .width = box.width, .channels = components, .pixels = std::move(pixels)};
  return image;
}

}  // namespace minnow::data
