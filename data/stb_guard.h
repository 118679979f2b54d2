// A pre-check that closes a hole in stb_image 2.27 (the version Debian 12
// ships), found by fuzz_image: a PNG chunk that claims more bytes than the file
// holds makes stb allocate that much (up to 4 GiB) before it finds the data
// missing. stb no longer decodes JPEG (data/jpeg.h does), so its JPEG holes
// are closed by not compiling that decoder. Decoding itself lives in
// data/decode.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace minnow::data {

// Walks a PNG's chunks the way stb_image reads them and throws on a chunk
// longer than the rest of the file; other bytes pass untouched.
void check_before_stb(std::span<const uint8_t> bytes, const std::string& name);

}  // namespace minnow::data
