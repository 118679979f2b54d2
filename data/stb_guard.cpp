// The JPEG walk mirrors stb_image: 0xFF fill bytes are allowed before the start
// marker and between segments, junk between segments is skipped up to the next
// 0xFF, stuffed bytes (0xFF 0x00) and restart markers inside entropy-coded data
// are passed over, and segments are read with zeros past the end of the input,
// as stbi__get8 returns. So every marker stb could act on is seen here first;
// stopping early is safe wherever stb itself stops with an error.
#include "data/stb_guard.h"

#include <algorithm>
#include <array>

#include "core/error.h"

namespace minnow::data {
namespace {

constexpr uint8_t kDht = 0xC4;
constexpr uint8_t kSos = 0xDA;
constexpr uint8_t kEoi = 0xD9;

bool has_no_segment(uint8_t marker) {
  return marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7);
}

class JpegWalker {
 public:
  JpegWalker(std::span<const uint8_t> bytes, const std::string& name) : bytes_(bytes), name_(name) {}

  void run() {
    // stb takes any run of 0xFF bytes before the D8 of the start-of-image marker.
    const size_t n = bytes_.size();
    size_t pos = 0;
    while (pos < n && bytes_[pos] == 0xFF) ++pos;
    if (pos == 0 || pos >= n || bytes_[pos] != 0xD8) return;
    ++pos;
    while (pos < n) {
      while (pos < n && bytes_[pos] != 0xFF) ++pos;
      while (pos < n && bytes_[pos] == 0xFF) ++pos;
      if (pos >= n) return;
      const uint8_t marker = bytes_[pos++];
      if (marker == kEoi) return;
      if (has_no_segment(marker)) continue;
      if (marker == kDht) {
        pos = dht(pos);
        if (pos == 0) return;
        continue;
      }
      if ((marker == 0xC0 || marker == 0xC1 || marker == 0xC2) && !seen_frame_) {
        seen_frame_ = true;
        progressive_ = marker == 0xC2;
      }
      if (marker == kSos && !sos(pos)) return;
      pos += static_cast<size_t>(at(pos) << 8 | at(pos + 1));
    }
  }

 private:
  int at(size_t i) const { return i < bytes_.size() ? bytes_[i] : 0; }

  // Checks and records the tables of the DHT whose length field starts at pos.
  // Returns the position after them, or 0 where stb rejects the segment and stops.
  size_t dht(size_t pos) {
    int64_t left = (at(pos) << 8 | at(pos + 1)) - 2;
    size_t p = pos + 2;
    while (left > 0) {
      const int q = at(p++);
      if ((q >> 4) > 1 || (q & 15) > 3) return 0;
      int codes = 0;
      for (int i = 0; i < 16; ++i) codes += at(p++);
      MINNOW_CHECK(codes <= 256, "image: ", name_, ": corrupt JPEG: a Huffman table lists ", codes,
                   " codes, at most 256 are possible");
      ((q >> 4) == 0 ? dc_ : ac_)[static_cast<size_t>(q & 15)] = true;
      p += static_cast<size_t>(codes);
      left -= 17 + codes;
    }
    return left == 0 ? p : 0;
  }

  // Checks that the scan whose header length starts at pos uses only defined
  // tables: baseline scans use DC and AC tables, progressive first DC scans
  // the DC table, progressive AC scans the AC table. False where stb stops.
  bool sos(size_t pos) const {
    const int components = at(pos + 2);
    const size_t tail = pos + 3 + 2 * static_cast<size_t>(components);
    const int spectral_start = at(tail);
    const int approx_high = at(tail + 2) >> 4;
    const bool uses_dc = !progressive_ || (spectral_start == 0 && approx_high == 0);
    const bool uses_ac = !progressive_ || spectral_start > 0;
    for (int c = 0; c < components; ++c) {
      const int q = at(pos + 4 + 2 * static_cast<size_t>(c));
      if ((q >> 4) > 3 || (q & 15) > 3) return false;
      MINNOW_CHECK(!uses_dc || dc_[static_cast<size_t>(q >> 4)], "image: ", name_,
                   ": corrupt JPEG: a scan uses DC Huffman table ", q >> 4, ", which no DHT defines");
      MINNOW_CHECK(!uses_ac || ac_[static_cast<size_t>(q & 15)], "image: ", name_,
                   ": corrupt JPEG: a scan uses AC Huffman table ", q & 15, ", which no DHT defines");
    }
    return true;
  }

  std::span<const uint8_t> bytes_;
  const std::string& name_;
  bool seen_frame_ = false;
  bool progressive_ = false;
  std::array<bool, 4> dc_{};
  std::array<bool, 4> ac_{};
};

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
  JpegWalker(bytes, name).run();
  check_png_chunks(bytes, name);
}

}  // namespace minnow::data
