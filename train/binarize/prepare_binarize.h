// prepare_binarize: turns a float model into its binarized training (and evaluation) form, in
// place. Every Conv2d and Linear computes with binarize_weight(w) (ops/binarize.h) instead of its
// weight, except the model's first and last ones when keep_first_last and those named in exclude;
// with activations, its input goes through binarize_activation first (a forward pre-hook).
// Nothing is added to the parameters or buffers: checkpoints and exports hold the float latent
// weights, and a model prepared the same way computes what the trainer computed.
#pragma once

#include <string>
#include <vector>

#include "models/module.h"
#include "train/config.h"

namespace minnow {

// The dotted names of the binarized layers, in the model's order. Throws one line when an
// exclude entry names no Conv2d or Linear, or a layer already has a weight transform (QAT).
std::vector<std::string> prepare_binarize(Module& model, const BinarizeConfig& config);

}  // namespace minnow
