// The portable transpose copies pixel by pixel in 16 x 16 tiles, so that the
// strided writes of one tile stay in cache. The AVX2 one moves 8 x 8 blocks of
// 3-byte pixels through registers: each row of 8 pixels (24 bytes) is widened
// to 8 dwords, the 8 x 8 dwords are transposed with the usual unpack and lane
// shuffles, and each column is narrowed back to 24 bytes. The edges that do
// not fill a block go through the portable code.
#include "data/transpose.h"

#include <immintrin.h>

#include <algorithm>

#include "core/error.h"

namespace minnow::data {
namespace {

// Pixels (y0..y1) x (x0..x1) of in to out, whose rows hold out_row pixels.
// C is a template argument so that a pixel's copy is a few byte moves.
template <size_t C>
void transpose_tiles(const uint8_t* in, size_t in_stride, size_t y0, size_t y1, size_t x0, size_t x1, size_t out_row,
                     uint8_t* out) {
  constexpr size_t kTile = 16;
  for (size_t ty = y0; ty < y1; ty += kTile) {
    const size_t ty1 = std::min(y1, ty + kTile);
    for (size_t tx = x0; tx < x1; tx += kTile) {
      const size_t tx1 = std::min(x1, tx + kTile);
      for (size_t y = ty; y < ty1; ++y) {
        const uint8_t* row = in + y * in_stride;
        for (size_t x = tx; x < tx1; ++x) {
          for (size_t ch = 0; ch < C; ++ch) out[(x * out_row + y) * C + ch] = row[x * C + ch];
        }
      }
    }
  }
}

void transpose_region(const uint8_t* in, size_t in_stride, size_t y0, size_t y1, size_t x0, size_t x1, size_t out_row,
                      int channels, uint8_t* out) {
  if (channels == 3) {
    transpose_tiles<3>(in, in_stride, y0, y1, x0, x1, out_row, out);
  } else if (channels == 1) {
    transpose_tiles<1>(in, in_stride, y0, y1, x0, x1, out_row, out);
  } else {
    MINNOW_FAIL("transpose: ", channels, " channels, expected 1 or 3");
  }
}

// 8 pixels of 3 bytes at p (exactly 24 bytes read) as 8 dwords, one pixel each
// in its low 3 bytes. Two 16-byte loads, bytes 0..15 and 8..23, put pixels 0..3
// at the start of the low lane and pixels 4..7 at byte 4 of the high lane.
__attribute__((target("avx2"))) __m256i load_widened(const uint8_t* p) {
  const __m128i low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i high = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 8));
  constexpr char z = -1;  // a byte pshufb clears
  const __m256i widen = _mm256_setr_epi8(0, 1, 2, z, 3, 4, 5, z, 6, 7, 8, z, 9, 10, 11, z,  //
                                         4, 5, 6, z, 7, 8, 9, z, 10, 11, 12, z, 13, 14, 15, z);
  return _mm256_shuffle_epi8(_mm256_set_m128i(high, low), widen);
}

// The inverse of load_widened: 8 dwords' low 3 bytes as 24 bytes at p.
__attribute__((target("avx2"))) void store_narrowed(__m256i pixels, uint8_t* p) {
  constexpr char z = -1;
  const __m256i narrow = _mm256_setr_epi8(0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, z, z, z, z,  //
                                          0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, z, z, z, z);
  // Each lane now starts with its 12 bytes; dwords 0..2 and 4..6 hold all 24.
  const __m256i packed =
      _mm256_permutevar8x32_epi32(_mm256_shuffle_epi8(pixels, narrow), _mm256_setr_epi32(0, 1, 2, 4, 5, 6, 7, 7));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_castsi256_si128(packed));
  _mm_storel_epi64(reinterpret_cast<__m128i*>(p + 16), _mm256_extracti128_si256(packed, 1));
}

// Rows r[0..7] of 8 dwords become columns: r[i] element j moves to r[j]
// element i.
__attribute__((target("avx2"))) void transpose_8x8_dwords(__m256i r[8]) {
  __m256i pairs[8];  // rows 2k and 2k+1 interleaved dword by dword
  for (int k = 0; k < 4; ++k) {
    pairs[2 * k] = _mm256_unpacklo_epi32(r[2 * k], r[2 * k + 1]);
    pairs[2 * k + 1] = _mm256_unpackhi_epi32(r[2 * k], r[2 * k + 1]);
  }
  __m256i quads[8];  // per lane, four rows' element j side by side
  for (int k = 0; k < 2; ++k) {
    const __m256i* p = pairs + 4 * k;
    quads[4 * k + 0] = _mm256_unpacklo_epi64(p[0], p[2]);
    quads[4 * k + 1] = _mm256_unpackhi_epi64(p[0], p[2]);
    quads[4 * k + 2] = _mm256_unpacklo_epi64(p[1], p[3]);
    quads[4 * k + 3] = _mm256_unpackhi_epi64(p[1], p[3]);
  }
  // quads[j] holds rows 0..3 of columns j (low lane) and j + 4 (high lane);
  // quads[4 + j] the same for rows 4..7.
  for (int j = 0; j < 4; ++j) {
    r[j] = _mm256_permute2x128_si256(quads[j], quads[4 + j], 0x20);
    r[j + 4] = _mm256_permute2x128_si256(quads[j], quads[4 + j], 0x31);
  }
}

}  // namespace

namespace detail {

void transpose_pixels_portable(const uint8_t* in, size_t in_stride, int rows, int cols, int channels, uint8_t* out) {
  const auto r = static_cast<size_t>(rows);
  transpose_region(in, in_stride, 0, r, 0, static_cast<size_t>(cols), r, channels, out);
}

__attribute__((target("avx2"))) void transpose_rgb_avx2(const uint8_t* in, size_t in_stride, int rows, int cols,
                                                        uint8_t* out) {
  constexpr size_t kBlock = 8;
  const auto r = static_cast<size_t>(rows);
  const auto c = static_cast<size_t>(cols);
  const size_t block_rows = r - r % kBlock;
  const size_t block_cols = c - c % kBlock;
  __m256i block[kBlock];
  for (size_t y = 0; y < block_rows; y += kBlock) {
    for (size_t x = 0; x < block_cols; x += kBlock) {
      for (size_t i = 0; i < kBlock; ++i) block[i] = load_widened(in + (y + i) * in_stride + x * 3);
      transpose_8x8_dwords(block);
      for (size_t j = 0; j < kBlock; ++j) store_narrowed(block[j], out + ((x + j) * r + y) * 3);
    }
  }
  transpose_region(in, in_stride, 0, r, block_cols, c, r, 3,
                   out);  // the right edge, every row
  transpose_region(in, in_stride, block_rows, r, 0, block_cols, r, 3,
                   out);  // the bottom edge
}

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

}  // namespace detail

void transpose_pixels(const uint8_t* in, size_t in_stride, int rows, int cols, int channels, uint8_t* out) {
  if (channels == 3 && detail::cpu_has_avx2()) {
    detail::transpose_rgb_avx2(in, in_stride, rows, cols, out);
  } else {
    detail::transpose_pixels_portable(in, in_stride, rows, cols, channels, out);
  }
}

}  // namespace minnow::data
