// Tensor storage in two kinds. Blocks up to 64 KiB come from aligned_alloc, rounded up to
// 64 bytes, and wait after use in a free list of their exact size. Larger ones are whole
// pages from a PageArena (core/page_arena.h), which carves any size out of any freed range.
// Either way a training step, which allocates the same sizes every iteration, reuses memory
// it already faulted in (an AddressSanitizer build uses the free lists alone). The cache holds
// at most kCacheLimit bytes and gives back the rest.
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

// Under AddressSanitizer every block comes from aligned_alloc, so ASan knows its bounds; it
// cannot see inside the arena's mappings.
// (GCC says so by __SANITIZE_ADDRESS__, clang by __has_feature.)
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kArena = false;
#elif defined(__has_feature)
constexpr bool kArena = !__has_feature(address_sanitizer);
#else
constexpr bool kArena = true;
#endif

bool is_large(size_t size) { return kArena && size > kLargeBytes; }

struct Pool {
  std::mutex mutex;
  std::unordered_map<size_t, std::vector<void*>> exact_free;
  size_t exact_cached = 0;
  PageArena large;
  size_t live = 0;
  size_t peak = 0;
};

Pool& pool() {
  static Pool* p = new Pool();
  return *p;
}

size_t rounded(size_t bytes) {
  const size_t unit = bytes > kLargeBytes ? PageArena::kPage : kAlign;
  return bytes == 0 ? kAlign : (bytes + unit - 1) / unit * unit;
}

// A block of `size` from its exact-size free list, or nullptr. Called with the pool locked.
void* take_exact(Pool& p, size_t size) {
  const auto it = p.exact_free.find(size);
  if (it == p.exact_free.end() || it->second.empty()) return nullptr;
  void* block = it->second.back();
  it->second.pop_back();
  p.exact_cached -= size;
  return block;
}

void give_back(void* block, size_t size) {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  p.live -= size;
  if (is_large(size)) {
    p.large.free(block, size);
    if (p.large.free_bytes() > kCacheLimit) p.large.release_empty_chunks();
  } else if (p.exact_cached + size <= kCacheLimit) {
    p.exact_free[size].push_back(block);
    p.exact_cached += size;
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
    block = is_large(size) ? p.large.allocate(size) : take_exact(p, size);
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
  return pool().exact_cached + pool().large.free_bytes();
}

void release_cached_storage() {
  Pool& p = pool();
  std::lock_guard lock(p.mutex);
  for (auto& [size, blocks] : p.exact_free)
    for (void* block : blocks) std::free(block);
  p.exact_free.clear();
  p.exact_cached = 0;
  p.large.release_empty_chunks();
}

}  // namespace minnow
