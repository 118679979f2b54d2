// Magnitude pruning's mask update: the floor(s n) weights of smallest magnitude are pruned,
// over each weight on its own (layer scope) or over all of them at once (global scope: one
// threshold). Equal magnitudes are ordered by position (parameter order, then the entry's
// logical index), the earlier pruned first, so every run and thread count picks the same.
#pragma once

#include <vector>

#include "train/config.h"
#include "train/prune/pruned_weights.h"

namespace minnow {

// Sets every mask for `sparsity` in [0, 1) and zeroes the pruned weights.
void update_magnitude_masks(const std::vector<PrunedWeight>& weights, PruneScope scope, double sparsity);

}  // namespace minnow
