// prepare_share: gives every Conv2d and Linear of a model, except config.exclude, a
// WeightCodebook child named "weight_codebook" as its weight transform, in place, and makes
// the layers' weights plain. The codebooks start empty (not clustered): the ShareHook clusters
// them on a training model, a checkpoint fills them on a run model (model_setup.h).
#pragma once

#include <string>
#include <vector>

#include "train/config.h"
#include "train/share/weight_codebook.h"

namespace minnow {

struct SharedLayer {
  std::string name;  // the layer's dotted module name
  Var weight;        // the layer's own weight, (out, in / groups, kh, kw) or (out, in)
  WeightCodebook* codebook;
};

std::vector<SharedLayer> prepare_share(Module& model, const ShareConfig& config);

// Whether a state-dict name is a codebook's tensor ("<layer>.weight_codebook.<name>"): the
// float export leaves them out, its weights already hold codebook[indices].
bool is_codebook_tensor(const std::string& name);

// Every shared layer of a prepared model, in module order.
std::vector<SharedLayer> shared_layers(Module& model);

}  // namespace minnow
