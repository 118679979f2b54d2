// Sparsity per layer, for `minnow stats --weights`: the fraction of zero entries in each
// Conv2d and Linear weight of a model, as a weights file holds them
// (train/weights_file.h). Pruned or not: a dense file shows 0 everywhere.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "models/module.h"
#include "train/weights_file.h"

namespace minnow {

struct LayerSparsity {
  std::string layer;  // dotted module name
  int64_t zeros = 0;
  int64_t weights = 0;
  double fraction() const { return weights > 0 ? static_cast<double>(zeros) / static_cast<double>(weights) : 0.0; }
};

// Every Conv2d and Linear of model in module order, its weight read from the file; a missing
// or mis-shaped weight is an error naming it and the file.
std::vector<LayerSparsity> layer_sparsity(Module& model, const ModelTensors& weights);

}  // namespace minnow
