// Tensor storage in two kinds. Blocks up to 64 KiB come from aligned_alloc, rounded up to
// 64 bytes, and wait after use in a free list of their exact size. Larger ones are whole
// pages from a PageArena (core/page_arena.h), which carves any size out of any freed range.
// Either way a training step, which allocates the same sizes every iteration, reuses memory
// it already faulted in. The cache holds at most kCacheLimit bytes and gives back the rest.
// The pool is never destroyed, so tensors released during static destruction still find it.
#include "core/allocator.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/error.h"
#include "core/page_arena.h"

namespace minnow {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kLargeBytes = 16 * PageArena::kPage;
constexpr size_t kCacheLimit = size_t{8} << 30;

bool is_large(size_t size) { return size > kLargeBytes; }

struct Pool {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> small_free;
  size_t small_cached = 0;
  PageArena large;
  size_t live = 0;
  size_t peak = 0;
};

Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

size_t rounded(size_t bytes) {
  const size_t unit = is_large(bytes) ? PageArena::kPage : kAlign;
  return bytes == 0 ? kAlign : (bytes + unit - 1) / unit * unit;
}

// A small block of `size` from its free list, or nullptr. Called with the pool locked.
void* take_small(Pool& p, size_t size) {
  const auto it = p.small_free.find(size);
  if (it == p.small_free.end() || it->second.empty()) return nullptr;
  void* block = it->second.back();
  it->second.pop_back();
  p.small_cached -= size;
  return block;
}

void give_back(void* block, size_t size) {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  p.live -= size;
  if (is_large(size)) {
    p.large.free(block, size);
    if (p.large.free_bytes() > kCacheLimit) p.large.release_empty_chunks();
  } else if (p.small_cached + size <= kCacheLimit) {
    p.small_free[size].push_back(block);
    p.small_cached += size;
  } else {
    std::free(block);
  }
}

}  // namespace

std::shared_ptr<std::byte> allocate_storage(size_t bytes) {
  const size_t size = rounded(bytes);
  Pool& p = pool();
  void* block = nullptr;
  {
    std::lock_guard lock(p.mutex);
    block = is_large(size) ? p.large.allocate(size) : take_small(p, size);
  }
  if (block == nullptr && !is_large(size)) block = std::aligned_alloc(kAlign, size);
  MINNOW_CHECK(block != nullptr, "tensor: cannot allocate ", bytes, " bytes");
  {
    std::lock_guard lock(p.mutex);
    p.live += size;
    p.peak = std::max(p.peak, p.live);
  }
  return std::shared_ptr<std::byte>(static_cast<std::byte*>(block), [size](std::byte* q) { give_back(q, size); });
}

size_t live_storage_bytes() {
  std::lock_guard lock(pool().mutex);
  return pool().live;
}

size_t peak_live_storage_bytes() {
  std::lock_guard lock(pool().mutex);
  return pool().peak;
}

void reset_peak_storage() {
  std::lock_guard lock(pool().mutex);
  pool().peak = pool().live;
}

size_t cached_storage_bytes() {
  std::lock_guard lock(pool().mutex);
  return pool().small_cached + pool().large.free_bytes();
}

void release_cached_storage() {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  for (auto& [size, blocks] : p.small_free)
    for (void* block : blocks) std::free(block);
  p.small_free.clear();
  p.small_cached = 0;
  p.large.release_empty_chunks();
}

}  // namespace minnow
