// The compressed form of a weight-sharing run ("minnow-shared-1"): each shared layer's weight
// as "<layer>.weight.indices" (u8, its k-bit codes packed by bit_pack.h), "<layer>.weight.codebook"
// (f32, 2^k) and "<layer>.weight.shape" (s32, the weight's dims); every other tensor as the
// float export writes it, with the same model metadata plus "share.bits". expand_shared_file
// turns it back into a float export that any minnow model of that config loads.
// Also the size arithmetic that `minnow export --format shared` prints.
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

// The model's parameter bytes as 32-bit floats and in the shared form. A shared layer's
// weight of n values takes 32 n bits as floats and ceil(k n / 8) bytes of indices plus a
// 2^k-entry f32 codebook shared; the other parameters (biases, BN, excluded layers) take
// 32 bits each in both. Zeros from pruning are coded densely (the pinned zero's index),
// not in Deep Compression's sparse relative-index form.
struct SharedSize {
  int bits = 0;                // index bits
  int64_t layers = 0;          // shared layers
  int64_t shared_weights = 0;  // their weight values
  int64_t weights_float_bytes = 0, weights_shared_bytes = 0;
  int64_t other_bytes = 0;
  int64_t float_bytes() const { return weights_float_bytes + other_bytes; }
  int64_t shared_bytes() const { return weights_shared_bytes + other_bytes; }
};
SharedSize shared_size(Module& model);
// One line for `minnow export`: the shared weights' bytes and all parameters' bytes, float
// against shared, with the ratios.
std::string shared_size_line(const SharedSize& size);

}  // namespace minnow
