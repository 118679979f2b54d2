#include "train/param_sweep.h"

#include "core/error.h"

namespace minnow {
namespace {

// Where the share of thread t begins, as (parameter, offset): the cut at element
// total * t / threads of the end-to-end sequence, moved down to a multiple of 16 within
// its parameter. Thread t's share ends where thread t + 1's begins.
struct Cut {
  size_t param;
  int64_t offset;
};

Cut cut_at(std::span<const int64_t> sizes, int64_t total, int t, int threads) {
  int64_t at = total * t / threads;
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (at < sizes[i]) return {i, at & ~int64_t{15}};
    at -= sizes[i];
  }
  return {sizes.size(), 0};
}

}  // namespace

std::vector<SweepPiece> sweep_share(std::span<const int64_t> sizes, int thread, int threads) {
  MINNOW_CHECK(threads >= 1 && thread >= 0 && thread < threads, "sweep_share: thread ", thread, " of ", threads);
  int64_t total = 0;
  for (int64_t n : sizes) {
    MINNOW_CHECK(n >= 0, "sweep_share: a parameter of ", n, " elements");
    total += n;
  }
  const Cut first = cut_at(sizes, total, thread, threads);
  const Cut last = cut_at(sizes, total, thread + 1, threads);
  std::vector<SweepPiece> pieces;
  for (size_t i = first.param; i <= last.param && i < sizes.size(); ++i) {
    const int64_t begin = i == first.param ? first.offset : 0;
    const int64_t end = i == last.param ? last.offset : sizes[i];
    if (begin < end) pieces.push_back({i, begin, end});
  }
  return pieces;
}

}  // namespace minnow
