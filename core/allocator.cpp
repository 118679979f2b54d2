// A size-keyed cache of freed buffers. Sizes round up to 64 bytes (4 KiB pages
// above 64 KiB) so near-equal requests share a free list; the cache holds at most
// kCacheLimit bytes and frees the rest. The pool is never destroyed, so tensors
// released during static destruction still find it.
#include "core/allocator.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "core/error.h"

namespace minnow {
namespace {

constexpr size_t kAlign = 64;
constexpr size_t kPage = 4096;
constexpr size_t kCacheLimit = size_t{8} << 30;

struct Pool {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> free_lists;
  size_t cached = 0;
  size_t live = 0;
  size_t peak = 0;
};

Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

size_t rounded(size_t bytes) {
  const size_t unit = bytes > 16 * kPage ? kPage : kAlign;
  return bytes == 0 ? kAlign : (bytes + unit - 1) / unit * unit;
}

void give_back(void* block, size_t size) {
  Pool& p = pool();
  {
    std::lock_guard lock(p.mutex);
    p.live -= size;
    if (p.cached + size <= kCacheLimit) {
      p.free_lists[size].push_back(block);
      p.cached += size;
      return;
    }
  }
  std::free(block);
}

}  // namespace

std::shared_ptr<std::byte> allocate_storage(size_t bytes) {
  const size_t size = rounded(bytes);
  void* block = nullptr;
  {
    Pool& p = pool();
    std::lock_guard lock(p.mutex);
    auto it = p.free_lists.find(size);
    if (it != p.free_lists.end() && !it->second.empty()) {
      block = it->second.back();
      it->second.pop_back();
      p.cached -= size;
    }
  }
  if (block == nullptr) block = std::aligned_alloc(kAlign, size);
  MINNOW_CHECK(block != nullptr, "tensor: cannot allocate ", bytes, " bytes");
  {
    Pool& p = pool();
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
  return pool().cached;
}

void release_cached_storage() {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  for (auto& [size, blocks] : p.free_lists)
    for (void* block : blocks) std::free(block);
  p.free_lists.clear();
  p.cached = 0;
}

}  // namespace minnow
