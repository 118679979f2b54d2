// One parallel pass over the buffers of many parameters. The optimizers' updates are
// elementwise, and most of a lightweight net's parameters are small (biases, batch-norm
// scales, depthwise kernels): a parallel loop per parameter either leaves those to one
// thread or pays a fork and join for a few hundred floats each. Here the elements of all
// parameters are laid end to end and cut into one contiguous share per thread; a share
// covers the tail of one parameter, whole parameters, and the head of another.
#pragma once

#include <omp.h>

#include <cstdint>
#include <span>
#include <vector>

namespace minnow {

// Elements [begin, end) of parameter `param`.
struct SweepPiece {
  size_t param = 0;
  int64_t begin = 0;
  int64_t end = 0;
};

// The pieces that thread `thread` of `threads` updates when parameters of `sizes` elements
// are laid end to end and split evenly. Every element belongs to exactly one thread's
// pieces; a cut inside a parameter falls on a multiple of 16 elements (one 64-byte line of
// f32), so no two threads write the same cache line of a buffer.
std::vector<SweepPiece> sweep_share(std::span<const int64_t> sizes, int thread, int threads);

// Below this many elements in all, the pass runs on the calling thread.
inline constexpr int64_t kParallelSweepElements = 32768;

// Calls fn(param, begin, end) for every piece of every parameter, in one parallel region.
// fn must touch only elements [begin, end) of parameter `param`.
template <class Fn>
void sweep_params(std::span<const int64_t> sizes, Fn&& fn) {
  int64_t total = 0;
  for (int64_t n : sizes) total += n;
#pragma omp parallel if (total >= kParallelSweepElements)
  for (const SweepPiece& piece : sweep_share(sizes, omp_get_thread_num(), omp_get_num_threads()))
    fn(piece.param, piece.begin, piece.end);
}

}  // namespace minnow
