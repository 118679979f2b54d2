// A pre-check for JPEG files that closes two memory-safety holes in stb_image
// 2.27 (the version Debian 12 ships), both found by fuzz_image: a Huffman
// table whose 16 code counts sum past 256 overflows stb's tables, and a scan
// that uses a Huffman table no DHT defined makes stb decode with uninitialised
// tables and index out of bounds. Decoding itself lives in data/decode.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace minnow::data {

// Walks the JPEG's marker segments the way stb_image reads them and throws
// on either defect above. Non-JPEG bytes pass untouched.
void check_jpeg_huffman_tables(std::span<const uint8_t> bytes, const std::string& name);

}  // namespace minnow::data
