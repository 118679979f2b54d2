// Pre-checks that close holes in stb_image 2.27 (the version Debian 12 ships),
// each found by fuzz_image: a JPEG Huffman table whose 16 code counts sum past
// 256 overflows stb's tables; a JPEG scan that uses a Huffman table no DHT
// defined makes stb decode with uninitialised tables and index out of bounds;
// a PNG chunk that claims more bytes than the file holds makes stb allocate
// that much (up to 4 GiB) before it finds the data missing. Decoding itself
// lives in data/decode.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace minnow::data {

// Walks a JPEG's marker segments or a PNG's chunks the way stb_image reads
// them and throws on any defect above; other bytes pass untouched.
void check_before_stb(std::span<const uint8_t> bytes, const std::string& name);

}  // namespace minnow::data
