// pack_bits and unpack_bits, bit by bit: the files are small and this is the plain statement.
#include "train/share/bit_pack.h"

#include "core/error.h"

namespace minnow {

int64_t packed_bytes(int64_t count, int bits) { return (count * bits + 7) / 8; }

std::vector<uint8_t> pack_bits(std::span<const uint8_t> codes, int bits) {
  MINNOW_CHECK(bits >= 1 && bits <= 8, "pack_bits: bits must be in [1, 8], got ", bits);
  std::vector<uint8_t> packed(static_cast<size_t>(packed_bytes(static_cast<int64_t>(codes.size()), bits)), 0);
  for (size_t i = 0; i < codes.size(); ++i) {
    MINNOW_CHECK(codes[i] >> bits == 0, "pack_bits: code ", i, " must be < ", 1 << bits, ", got ",
                 static_cast<int>(codes[i]));
    for (int b = 0; b < bits; ++b) {
      const size_t bit = i * static_cast<size_t>(bits) + static_cast<size_t>(b);
      packed[bit / 8] = static_cast<uint8_t>(packed[bit / 8] | (((codes[i] >> b) & 1) << (bit % 8)));
    }
  }
  return packed;
}

std::vector<uint8_t> unpack_bits(std::span<const uint8_t> packed, int bits, int64_t count) {
  MINNOW_CHECK(bits >= 1 && bits <= 8, "unpack_bits: bits must be in [1, 8], got ", bits);
  MINNOW_CHECK(static_cast<int64_t>(packed.size()) == packed_bytes(count, bits), "unpack_bits: ", count, " codes of ",
               bits, " bits take ", packed_bytes(count, bits), " bytes, got ", packed.size());
  std::vector<uint8_t> codes(static_cast<size_t>(count), 0);
  for (size_t i = 0; i < codes.size(); ++i)
    for (int b = 0; b < bits; ++b) {
      const size_t bit = i * static_cast<size_t>(bits) + static_cast<size_t>(b);
      codes[i] = static_cast<uint8_t>(codes[i] | (((packed[bit / 8] >> (bit % 8)) & 1) << b));
    }
  return codes;
}

}  // namespace minnow
