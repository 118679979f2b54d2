// The compressed form of a weight-sharing run ("minnow-shared-1"): each shared layer's weight
// as "<layer>.weight.indices" (u8, its k-bit codes packed by bit_pack.h), "<layer>.weight.codebook"
// (f32, 2^k) and "<layer>.weight.shape" (s32, the weight's dims); every other tensor as the
// float export writes it, with the same model metadata plus "share.bits". expand_shared_file
// turns it back into a float export that any minnow model of that config loads.
#pragma once

#include <string>

#include "core/safetensors.h"
#include "models/module.h"
#include "train/config.h"

namespace minnow {

inline constexpr const char* kSharedWeightsFormat = "minnow-shared-1";

// model: a model prepared for sharing (train/share/prepare_share.h) with its codebooks filled.
SafeTensors shared_weights_file(Module& model, const ModelConfig& model_config);

// The float export ("minnow-weights-1") with codebook[indices] as each shared weight; where
// starts every message (sizes, shapes and indices are checked).
SafeTensors expand_shared_file(const SafeTensors& file, const std::string& where);

}  // namespace minnow
