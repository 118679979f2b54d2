// Best fit over the free ranges by size; merging over them by address.
#include "core/page_arena.h"

#include <sys/mman.h>

#include <algorithm>
#include <iterator>

namespace minnow {

PageArena::~PageArena() {
  for (const auto& [start, bytes] : chunks_) munmap(start, bytes);
}

void* PageArena::allocate(size_t bytes) {
  auto fit = free_by_size_.lower_bound({bytes, nullptr});
  if (fit == free_by_size_.end()) {
    const size_t mapped = std::max(kChunk, bytes);
    void* chunk = mmap(nullptr, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (chunk == MAP_FAILED) return nullptr;
    auto* start = static_cast<std::byte*>(chunk);
    chunks_.emplace(start, mapped);
    insert_free(start, {mapped, start});
    fit = free_by_size_.lower_bound({bytes, nullptr});
  }
  std::byte* const start = fit->second;
  const auto range = free_by_address_.find(start);
  const Range r = range->second;
  erase_free(range);
  if (r.size > bytes) insert_free(start + bytes, {r.size - bytes, r.chunk});  // the rest stays free
  return start;
}

void PageArena::free(void* block, size_t bytes) {
  auto* start = static_cast<std::byte*>(block);
  Range r{bytes, std::prev(chunks_.upper_bound(start))->first};
  if (const auto next = free_by_address_.find(start + bytes);
      next != free_by_address_.end() && next->second.chunk == r.chunk) {
    r.size += next->second.size;
    erase_free(next);
  }
  if (auto prev = free_by_address_.lower_bound(start); prev != free_by_address_.begin()) {
    --prev;
    if (prev->first + prev->second.size == start && prev->second.chunk == r.chunk) {
      start = prev->first;
      r.size += prev->second.size;
      erase_free(prev);
    }
  }
  insert_free(start, r);
}

void PageArena::release_empty_chunks() {
  for (auto chunk = chunks_.begin(); chunk != chunks_.end();) {
    const auto range = free_by_address_.find(chunk->first);
    if (range == free_by_address_.end() || range->second.size != chunk->second) {
      ++chunk;
      continue;
    }
    erase_free(range);
    munmap(chunk->first, chunk->second);
    chunk = chunks_.erase(chunk);
  }
}

void PageArena::insert_free(std::byte* start, Range range) {
  free_by_address_.emplace(start, range);
  free_by_size_.emplace(range.size, start);
  free_bytes_ += range.size;
}

void PageArena::erase_free(std::map<std::byte*, Range>::iterator it) {
  free_by_size_.erase({it->second.size, it->first});
  free_bytes_ -= it->second.size;
  free_by_address_.erase(it);
}

}  // namespace minnow
