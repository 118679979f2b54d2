// Transposition of 8-bit pixel grids: (rows x cols x C) becomes
// (cols x rows x C), pixel (y, x) moving to (x, y). The resampler runs both of
// its passes along rows and transposes in between (data/resample.cpp).
#pragma once

#include <cstddef>
#include <cstdint>

namespace minnow::data {

// in holds rows rows of cols pixels of channels bytes, each row starting
// in_stride bytes after the last; out receives cols rows of rows pixels,
// packed. channels is 1 or 3. Where the CPU has AVX2, 3-channel grids move in
// 8 x 8 blocks of registers; the result is the same either way.
void transpose_pixels(const uint8_t* in, size_t in_stride, int rows, int cols, int channels, uint8_t* out);

namespace detail {
// The two ways transpose_pixels can take, for tests to compare: the portable
// one, and the AVX2 one for 3 channels (callable only where the CPU has AVX2).
void transpose_pixels_portable(const uint8_t* in, size_t in_stride, int rows, int cols, int channels, uint8_t* out);
void transpose_rgb_avx2(const uint8_t* in, size_t in_stride, int rows, int cols, uint8_t* out);
bool cpu_has_avx2();
}  // namespace detail

}  // namespace minnow::data
