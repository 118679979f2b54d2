// k-bit codes packed densely into bytes, for the weight-sharing export: code i takes bits
// [i k, (i + 1) k) of a little-endian bit stream (stream bit b is bit b % 8 of byte b / 8),
// so n codes take ceil(n k / 8) bytes and the last byte's unused high bits are 0.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace minnow {

// Bytes that count codes of bits bits take.
int64_t packed_bytes(int64_t count, int bits);

// codes: each < 2^bits; bits in [1, 8].
std::vector<uint8_t> pack_bits(std::span<const uint8_t> codes, int bits);
// The count codes that pack_bits wrote; packed must hold exactly packed_bytes(count, bits).
std::vector<uint8_t> unpack_bits(std::span<const uint8_t> packed, int bits, int64_t count);

}  // namespace minnow
