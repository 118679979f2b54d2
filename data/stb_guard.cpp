#include "data/stb_guard.h"

#include <algorithm>
#include <array>

#include "core/error.h"

namespace minnow::data {
namespace {

// PNG: the 8-byte signature, then chunks of (length, type, data, CRC) up to
// IEND. stb grows its IDAT buffer by a chunk's declared length before reading
// it, so every length must fit in what is left of the file.
void check_png_chunks(std::span<const uint8_t> bytes, const std::string& name) {
  constexpr std::array<uint8_t, 8> kSignature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'};
  if (bytes.size() < kSignature.size() || !std::equal(kSignature.begin(), kSignature.end(), bytes.begin())) return;
  size_t pos = kSignature.size();
  while (pos + 8 <= bytes.size()) {
    const uint8_t* p = bytes.data() + pos;
    const uint32_t length = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    const std::string type(reinterpret_cast<const char*>(p + 4), 4);
    if (type == "IEND") return;
    const size_t left = bytes.size() - pos - 8;
    MINNOW_CHECK(length <= left, "image: ", name, ": corrupt PNG: a chunk at byte ", pos, " declares ", length,
                 " bytes, only ", left, " remain");
    pos += 12 + size_t{length};
  }
}

}  // namespace

void check_before_stb(std::span<const uint8_t> bytes, const std::string& name) {
  check_png_chunks(bytes, name);
}

}  // namespace minnow::data
