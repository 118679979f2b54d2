// Which weights a pruning run prunes: every Conv2d and Linear weight of the model except
// those prune.exclude names (a dotted module-name prefix, or a parameter's exact name). Each
// gets its WeightMask child; an exclude entry that names nothing in the model is an error.
#pragma once

#include <string>
#include <vector>

#include "models/module.h"
#include "train/prune/weight_mask.h"

namespace minnow {

struct PrunedWeight {
  std::string name;  // "features.0.0.weight"
  Var weight;        // (the layer's weight dims), in whatever layout its op keeps it
  WeightMask* mask;  // the layer's "pruning" child
};

// The weight of a Conv2d or Linear; nullptr for any other module.
const Var* prunable_weight(Module& module);

// Adds the masks (all ones) and returns the pruned weights in the model's parameter order.
std::vector<PrunedWeight> attach_weight_masks(Module& model, const std::vector<std::string>& exclude);

}  // namespace minnow
