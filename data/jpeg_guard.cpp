// The walk mirrors stb_image: 0xFF fill bytes are allowed before the start
// marker and between segments, junk between segments is skipped up to the next
// 0xFF, stuffed bytes (0xFF 0x00) and restart markers inside entropy-coded data
// are passed over, and a DHT is read table by table with zeros past the end of
// the input, as stbi__get8 returns. So every marker stb could act on is seen
// here first; stopping early is safe wherever stb itself stops with an error.
#include "data/jpeg_guard.h"

#include "core/error.h"

namespace minnow::data {
namespace {

constexpr uint8_t kDht = 0xC4;
constexpr uint8_t kEoi = 0xD9;

bool has_no_segment(uint8_t marker) {
  return marker == 0x00 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7);
}

// Checks the tables of the DHT whose length field starts at pos. Returns the
// position after them, or 0 when stb would reject the segment and stop.
size_t check_dht(std::span<const uint8_t> bytes, size_t pos, const std::string& name) {
  auto at = [&](size_t i) -> int { return i < bytes.size() ? bytes[i] : 0; };
  int64_t left = (at(pos) << 8 | at(pos + 1)) - 2;
  size_t p = pos + 2;
  while (left > 0) {
    const int q = at(p++);
    if ((q >> 4) > 1 || (q & 15) > 3) return 0;
    int codes = 0;
    for (int i = 0; i < 16; ++i) codes += at(p++);
    MINNOW_CHECK(codes <= 256, "image: ", name, ": corrupt JPEG: a Huffman table lists ", codes,
                 " codes, at most 256 are possible");
    p += static_cast<size_t>(codes);
    left -= 17 + codes;
  }
  return left == 0 ? p : 0;
}

}  // namespace

void check_jpeg_huffman_tables(std::span<const uint8_t> bytes, const std::string& name) {
  // stb takes any run of 0xFF bytes before the D8 of the start-of-image marker.
  const size_t n = bytes.size();
  size_t pos = 0;
  while (pos < n && bytes[pos] == 0xFF) ++pos;
  if (pos == 0 || pos >= n || bytes[pos] != 0xD8) return;
  ++pos;
  while (pos < n) {
    while (pos < n && bytes[pos] != 0xFF) ++pos;
    while (pos < n && bytes[pos] == 0xFF) ++pos;
    if (pos >= n) return;
    const uint8_t marker = bytes[pos++];
    if (marker == kEoi) return;
    if (has_no_segment(marker)) continue;
    if (marker == kDht) {
      pos = check_dht(bytes, pos, name);
      if (pos == 0) return;
      continue;
    }
    if (pos + 2 > n) return;
    pos += static_cast<size_t>(bytes[pos] << 8 | bytes[pos + 1]);
  }
}

}  // namespace minnow::data
