// Each entry is ranked by one 64-bit key, its magnitude's float bits (monotone for
// non-negative floats) above its position, so nth_element finds a unique threshold.
#include "train/prune/magnitude_masks.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <optional>

#include "core/error.h"

namespace minnow {
namespace {

uint64_t rank_key(float value, uint64_t position) {
  return uint64_t{std::bit_cast<uint32_t>(std::fabs(value))} << 32 | position;
}

// Appends the keys of values, their positions counted from first.
void append_keys(const std::vector<float>& values, uint64_t first, std::vector<uint64_t>& keys) {
  for (size_t i = 0; i < values.size(); ++i) keys.push_back(rank_key(values[i], first + i));
}

// The largest key among the floor(sparsity * n) smallest; nullopt when that count is 0.
std::optional<uint64_t> threshold(std::vector<uint64_t> keys, double sparsity) {
  const auto pruned = static_cast<size_t>(std::floor(sparsity * static_cast<double>(keys.size())));
  if (pruned == 0) return std::nullopt;
  std::nth_element(keys.begin(), keys.begin() + static_cast<std::ptrdiff_t>(pruned - 1), keys.end());
  return keys[pruned - 1];
}

// The mask of values (positions from first): 0 for keys up to limit. Set, and applied to the weight.
void set_mask(const PrunedWeight& w, const std::vector<float>& values, uint64_t first, std::optional<uint64_t> limit) {
  std::vector<float> mask(values.size(), 1.0f);
  if (limit)
    for (size_t i = 0; i < values.size(); ++i) mask[i] = rank_key(values[i], first + i) <= *limit ? 0.0f : 1.0f;
  w.mask->set_mask(mask);
  w.mask->multiply(w.weight.data(), w.weight.data());
}

}  // namespace

void update_magnitude_masks(const std::vector<PrunedWeight>& weights, PruneScope scope, double sparsity) {
  MINNOW_CHECK(sparsity >= 0 && sparsity < 1, "update_magnitude_masks: expected sparsity in [0, 1), got ", sparsity);
  std::vector<std::vector<float>> values;  // each weight in logical order
  size_t total = 0;
  for (const PrunedWeight& w : weights) {
    values.push_back(w.weight.data().to_plain());
    total += values.back().size();
  }
  MINNOW_CHECK(total < (uint64_t{1} << 32), "update_magnitude_masks: expected fewer than 2^32 pruned weights, got ",
               total);
  if (scope == PruneScope::layer) {
    for (size_t i = 0; i < weights.size(); ++i) {
      std::vector<uint64_t> keys;
      keys.reserve(values[i].size());
      append_keys(values[i], 0, keys);
      set_mask(weights[i], values[i], 0, threshold(std::move(keys), sparsity));
    }
    return;
  }
  std::vector<uint64_t> keys;
  keys.reserve(total);
  for (size_t i = 0, first = 0; i < weights.size(); first += values[i].size(), ++i) append_keys(values[i], first, keys);
  const std::optional<uint64_t> limit = threshold(std::move(keys), sparsity);
  for (size_t i = 0, first = 0; i < weights.size(); first += values[i].size(), ++i)
    set_mask(weights[i], values[i], first, limit);
}

}  // namespace minnow
