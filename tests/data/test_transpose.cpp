// data/transpose.h against its definition, out(x, y) = in(y, x), for every
// grid size from 1 x 1 up past two 8 x 8 blocks in each direction (so that
// whole blocks, right and bottom edges and grids smaller than a block all
// occur) and with rows padded past their pixels; the AVX2 path, where the CPU
// has it, against the portable one.
#include <gtest/gtest.h>

#include <vector>

#include "core/rng.h"
#include "data/transpose.h"

namespace minnow {
namespace {

struct Grid {
  int rows, cols, channels;
  size_t stride;  // bytes from one row to the next, at least cols * channels
  std::vector<uint8_t> bytes;
};

Grid random_grid(int rows, int cols, int channels, size_t padding, Rng& rng) {
  Grid grid{rows, cols, channels, static_cast<size_t>(cols * channels) + padding, {}};
  grid.bytes.resize(grid.stride * static_cast<size_t>(rows));
  for (auto& b : grid.bytes) b = static_cast<uint8_t>(rng.below(256));
  return grid;
}

std::vector<uint8_t> by_definition(const Grid& g) {
  const auto c = static_cast<size_t>(g.channels);
  std::vector<uint8_t> out(static_cast<size_t>(g.rows * g.cols) * c);
  for (size_t y = 0; y < static_cast<size_t>(g.rows); ++y) {
    for (size_t x = 0; x < static_cast<size_t>(g.cols); ++x) {
      for (size_t ch = 0; ch < c; ++ch)
        out[(x * static_cast<size_t>(g.rows) + y) * c + ch] = g.bytes[y * g.stride + x * c + ch];
    }
  }
  return out;
}

TEST(TransposeTest, EveryPathMatchesTheDefinition) {
  Rng rng(11);
  int checked_avx2 = 0;
  for (int channels : {1, 3}) {
    for (int rows = 1; rows <= 19; ++rows) {
      for (int cols = 1; cols <= 19; ++cols) {
        const Grid grid = random_grid(rows, cols, channels, static_cast<size_t>((rows + cols) % 3) * 5, rng);
        const std::vector<uint8_t> expected = by_definition(grid);
        std::vector<uint8_t> out(expected.size());
        data::transpose_pixels(grid.bytes.data(), grid.stride, rows, cols, channels, out.data());
        ASSERT_EQ(out, expected) << rows << "x" << cols << "x" << channels;
        std::fill(out.begin(), out.end(), 0);
        data::detail::transpose_pixels_portable(grid.bytes.data(), grid.stride, rows, cols, channels, out.data());
        ASSERT_EQ(out, expected) << "portable, " << rows << "x" << cols << "x" << channels;
        if (channels == 3 && data::detail::cpu_has_avx2()) {
          std::fill(out.begin(), out.end(), 0);
          data::detail::transpose_rgb_avx2(grid.bytes.data(), grid.stride, rows, cols, out.data());
          ASSERT_EQ(out, expected) << "AVX2, " << rows << "x" << cols;
          ++checked_avx2;
        }
      }
    }
  }
  if (data::detail::cpu_has_avx2()) {
    EXPECT_EQ(checked_avx2, 19 * 19);
  }
}

// A grid whose last row ends exactly at the end of its allocation: the AVX2
// loads and stores must stay inside both buffers (AddressSanitizer checks
// this in the sanitizer build).
TEST(TransposeTest, StaysInsideTightBuffers) {
  Rng rng(12);
  for (const auto& [rows, cols] : {std::pair{8, 8}, std::pair{16, 24}, std::pair{9, 17}}) {
    const Grid grid = random_grid(rows, cols, 3, 0, rng);
    std::vector<uint8_t> out(grid.bytes.size());
    data::transpose_pixels(grid.bytes.data(), grid.stride, rows, cols, 3, out.data());
    EXPECT_EQ(out, by_definition(grid)) << rows << "x" << cols;
  }
}

}  // namespace
}  // namespace minnow
