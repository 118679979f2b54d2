// PageArena: large tensor storage carved out of big anonymous mappings, best fit, with freed
// neighbours merged. A training step frees and allocates buffers of many sizes; a cache of
// freed buffers keyed by exact size ends up holding the sum of every size's own peak (1.8x
// the storage alive at once on SqueezeNet at 224 px, batch 32), while carving any size out of
// any freed range holds about the peak itself. Pages stay mapped once touched, so a step that
// repeats the last one faults no new pages in.
//
// Not thread-safe: core/allocator.cpp calls it under its lock.
#pragma once

#include <cstddef>
#include <map>
#include <set>
#include <utility>

namespace minnow {

class PageArena {
 public:
  static constexpr size_t kPage = 4096;
  static constexpr size_t kChunk = size_t{256} << 20;  // one mapping, or the request if larger

  PageArena() = default;
  PageArena(const PageArena&) = delete;
  PageArena& operator=(const PageArena&) = delete;
  ~PageArena();

  // A page-aligned block of `bytes` (a multiple of kPage), or nullptr when the system has no
  // memory to map.
  void* allocate(size_t bytes);
  // Hands back a block allocate(bytes) returned.
  void free(void* block, size_t bytes);

  // Bytes mapped and not handed out (free ranges, touched or not).
  size_t free_bytes() const { return free_bytes_; }
  // Unmaps every mapping nothing is allocated from.
  void release_empty_chunks();

 private:
  struct Range {
    size_t size;
    std::byte* chunk;  // the mapping it lies in: ranges of two mappings never merge
  };

  void insert_free(std::byte* start, Range range);
  void erase_free(std::map<std::byte*, Range>::iterator it);

  std::map<std::byte*, Range> free_by_address_;
  std::set<std::pair<size_t, std::byte*>> free_by_size_;  // (size, start): best fit is a lower_bound
  std::map<std::byte*, size_t> chunks_;                    // start -> bytes mapped
  size_t free_bytes_ = 0;
};

}  // namespace minnow
