// PageArena: best fit among the free ranges, freed neighbours merged (within one mapping
// only), a mapping of its own for a request above the chunk size, and empty mappings
// given back.
#include <gtest/gtest.h>

#include <cstring>

#include "core/page_arena.h"

namespace minnow {
namespace {

constexpr size_t kPage = PageArena::kPage;

std::byte* alloc(PageArena& arena, size_t pages) {
  auto* p = static_cast<std::byte*>(arena.allocate(pages * kPage));
  EXPECT_NE(p, nullptr);
  std::memset(p, 0x5a, pages * kPage);  // the pages are writable
  return p;
}

TEST(PageArena, CarvesBlocksOneAfterAnotherFromAMapping) {
  PageArena arena;
  std::byte* a = alloc(arena, 3);
  std::byte* b = alloc(arena, 1);
  EXPECT_EQ(b, a + 3 * kPage);
  EXPECT_EQ(arena.free_bytes(), PageArena::kChunk - 4 * kPage);
  arena.free(a, 3 * kPage);
  arena.free(b, kPage);
  EXPECT_EQ(arena.free_bytes(), PageArena::kChunk);
}

TEST(PageArena, TakesTheSmallestFreeRangeThatFits) {
  PageArena arena;
  std::byte* a = alloc(arena, 3);
  std::byte* b = alloc(arena, 1);
  std::byte* c = alloc(arena, 5);
  std::byte* d = alloc(arena, 1);  // keeps c's range apart from the mapping's untouched rest
  arena.free(c, 5 * kPage);
  arena.free(a, 3 * kPage);
  EXPECT_EQ(alloc(arena, 2), a);      // 3 free pages fit 2 better than 5 do
  EXPECT_EQ(alloc(arena, 1), a + 2 * kPage);  // the page a's range had left
  EXPECT_EQ(alloc(arena, 4), c);
  (void)b;
  (void)d;
}

TEST(PageArena, MergesAFreedBlockWithFreeNeighboursOnBothSides) {
  PageArena arena;
  std::byte* a = alloc(arena, 2);
  std::byte* b = alloc(arena, 2);
  std::byte* c = alloc(arena, 2);
  std::byte* d = alloc(arena, 1);
  arena.free(a, 2 * kPage);
  arena.free(c, 2 * kPage);
  arena.free(b, 2 * kPage);  // joins a's range and c's into 6 pages
  EXPECT_EQ(alloc(arena, 6), a);
  (void)d;
}

TEST(PageArena, ARequestAboveTheChunkGetsAMappingOfItsOwnAndEmptyMappingsGoBack) {
  PageArena arena;
  const size_t big = PageArena::kChunk + 8 * kPage;
  std::byte* small = alloc(arena, 1);
  std::byte* large = alloc(arena, big / kPage);
  EXPECT_EQ(arena.free_bytes(), PageArena::kChunk - kPage);  // the large mapping is used whole
  arena.free(large, big);
  arena.release_empty_chunks();  // the large mapping is empty; the first still holds `small`
  EXPECT_EQ(arena.free_bytes(), PageArena::kChunk - kPage);
  arena.free(small, kPage);
  arena.release_empty_chunks();
  EXPECT_EQ(arena.free_bytes(), 0u);
  alloc(arena, 1);  // maps anew
  EXPECT_EQ(arena.free_bytes(), PageArena::kChunk - kPage);
}

}  // namespace
}  // namespace minnow
