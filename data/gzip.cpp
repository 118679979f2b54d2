// gunzip over zlib's inflate with the gzip wrapper (window bits 16 + 15), so
// zlib checks the header, the CRC-32 and the length in each member's trailer.
// Input is fed in chunks because zlib counts bytes in 32-bit unsigned ints.
#include "data/gzip.h"

#include <zlib.h>

#include <algorithm>

#include "core/error.h"

namespace minnow::data {
namespace {

constexpr size_t kChunk = size_t{1} << 20;

class Inflater {
 public:
  explicit Inflater(const std::string& name) : name_(name) {
    MINNOW_CHECK(inflateInit2(&stream_, 16 + MAX_WBITS) == Z_OK, "gzip: ", name_, ": cannot start zlib");
  }
  ~Inflater() { inflateEnd(&stream_); }
  Inflater(const Inflater&) = delete;
  Inflater& operator=(const Inflater&) = delete;

  z_stream& stream() { return stream_; }
  void reset() { MINNOW_CHECK(inflateReset(&stream_) == Z_OK, "gzip: ", name_, ": cannot reset zlib"); }

 private:
  const std::string& name_;
  z_stream stream_{};
};

}  // namespace

bool is_gzip(std::span<const uint8_t> bytes) {
  return bytes.size() >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b;
}

std::vector<uint8_t> gunzip(std::span<const uint8_t> bytes, const std::string& name, size_t max_bytes) {
  MINNOW_CHECK(is_gzip(bytes), "gzip: ", name, ": not a gzip file (expected magic 1f 8b)");
  Inflater inflater(name);
  z_stream& zs = inflater.stream();
  std::vector<uint8_t> out;
  size_t in_pos = 0;
  bool member_done = false;
  while (true) {
    if (zs.avail_in == 0 && in_pos < bytes.size()) {
      const size_t n = std::min(kChunk, bytes.size() - in_pos);
      zs.next_in = const_cast<Bytef*>(bytes.data() + in_pos);
      zs.avail_in = static_cast<uInt>(n);
      in_pos += n;
    }
    if (member_done) {
      // Another member may follow; anything else after a member is an error from zlib's header check.
      if (zs.avail_in == 0) break;
      inflater.reset();
      member_done = false;
    }
    MINNOW_CHECK(out.size() < max_bytes, "gzip: ", name, ": decompresses to at least ", max_bytes,
                 " bytes, the limit for this file");
    const size_t room = std::min(kChunk, max_bytes - out.size());
    const size_t before = out.size();
    out.resize(before + room);
    zs.next_out = out.data() + before;
    zs.avail_out = static_cast<uInt>(room);
    const int rc = inflate(&zs, Z_NO_FLUSH);
    out.resize(before + room - zs.avail_out);
    if (rc == Z_STREAM_END) {
      member_done = true;
      continue;
    }
    MINNOW_CHECK(rc == Z_OK || rc == Z_BUF_ERROR, "gzip: ", name, ": corrupt data (zlib: ",
                 zs.msg != nullptr ? zs.msg : "error " + std::to_string(rc), ")");
    MINNOW_CHECK(!(zs.avail_in == 0 && in_pos == bytes.size() && zs.avail_out != 0), "gzip: ", name,
                 ": truncated stream: the input ends after ", bytes.size(), " bytes (", out.size(),
                 " decompressed) before the gzip trailer");
  }
  return out;
}

}  // namespace minnow::data
