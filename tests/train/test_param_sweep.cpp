// sweep_share: every element of every parameter goes to exactly one thread, cuts inside a
// parameter fall on multiples of 16, and the shares are about even.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "train/param_sweep.h"

namespace minnow {
namespace {

void expect_partition(const std::vector<int64_t>& sizes, int threads) {
  std::vector<std::vector<int>> owner;
  for (int64_t n : sizes) owner.emplace_back(static_cast<size_t>(n), -1);
  int64_t total = 0;
  for (int64_t n : sizes) total += n;
  for (int t = 0; t < threads; ++t) {
    int64_t share = 0;
    for (const SweepPiece& piece : sweep_share(sizes, t, threads)) {
      ASSERT_LT(piece.param, sizes.size());
      ASSERT_LE(0, piece.begin);
      ASSERT_LT(piece.begin, piece.end);
      ASSERT_LE(piece.end, sizes[piece.param]);
      if (piece.begin != 0) {
        EXPECT_EQ(piece.begin % 16, 0) << "thread " << t << " param " << piece.param;
      }
      if (piece.end != sizes[piece.param]) {
        EXPECT_EQ(piece.end % 16, 0) << "thread " << t << " param " << piece.param;
      }
      for (int64_t k = piece.begin; k < piece.end; ++k) {
        int& o = owner[piece.param][static_cast<size_t>(k)];
        ASSERT_EQ(o, -1) << "element " << k << " of param " << piece.param << " given to threads " << o << " and " << t;
        o = t;
      }
      share += piece.end - piece.begin;
    }
    // Each cut moves down by at most 15 elements from total * t / threads.
    EXPECT_LE(share, total / threads + 1 + 15) << "thread " << t << " of " << threads;
  }
  for (size_t i = 0; i < owner.size(); ++i)
    for (size_t k = 0; k < owner[i].size(); ++k) ASSERT_NE(owner[i][k], -1) << "element " << k << " of param " << i;
}

TEST(ParamSweep, EveryElementGoesToOneThread) {
  const std::vector<std::vector<int64_t>> cases = {
      {},
      {0},
      {1},
      {5, 0, 3},
      {1000},
      {3, 17, 70000, 5, 0, 40000, 1, 16, 33},
      {864, 32, 32, 288, 32, 32, 512, 16, 16, 1536, 96, 96, 864, 96, 96, 2304, 24, 24, 409600, 1280, 1280, 12810},
  };
  for (const auto& sizes : cases)
    for (int threads : {1, 2, 3, 7, 16}) expect_partition(sizes, threads);
}

TEST(ParamSweep, OneThreadTakesEverythingInOrder) {
  const std::vector<int64_t> sizes{4, 0, 9};
  const auto pieces = sweep_share(sizes, 0, 1);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[0].param, 0u);
  EXPECT_EQ(pieces[0].end, 4);
  EXPECT_EQ(pieces[1].param, 2u);
  EXPECT_EQ(pieces[1].end, 9);
}

TEST(ParamSweep, SweepVisitsEachElementOnce) {
  // The suite runs with OMP_NUM_THREADS=1; three threads make the region cut parameters.
  const int threads = omp_get_max_threads();
  omp_set_num_threads(3);
  std::vector<int64_t> sizes{70001, 3, 12345, 0, 40000};
  std::vector<std::vector<int>> visits;
  for (int64_t n : sizes) visits.emplace_back(static_cast<size_t>(n), 0);
  sweep_params(sizes, [&](size_t i, int64_t begin, int64_t end) {
    for (int64_t k = begin; k < end; ++k) ++visits[i][static_cast<size_t>(k)];
  });
  omp_set_num_threads(threads);
  for (const auto& v : visits) EXPECT_TRUE(std::all_of(v.begin(), v.end(), [](int c) { return c == 1; }));
}

TEST(ParamSweep, BadArgumentsAreErrors) {
  const std::vector<int64_t> sizes{4};
  EXPECT_THROW(sweep_share(sizes, 2, 2), Error);
  EXPECT_THROW(sweep_share(sizes, 0, 0), Error);
  const std::vector<int64_t> negative{-1};
  EXPECT_THROW(sweep_share(negative, 0, 1), Error);
}

}  // namespace
}  // namespace minnow
