// A pre-check for JPEG files that closes a memory-safety hole in stb_image
// 2.27 (the version Debian 12 ships): a DHT segment whose 16 code counts sum
// to more than 256 overflows stb's Huffman tables (found by fuzz_image).
// Decoding itself lives in data/decode.cpp.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace minnow::data {

// Walks the JPEG's marker segments the way stb_image reads them and throws
// when a Huffman table lists more than 256 codes. Non-JPEG bytes pass.
void check_jpeg_huffman_tables(std::span<const uint8_t> bytes, const std::string& name);

}  // namespace minnow::data
