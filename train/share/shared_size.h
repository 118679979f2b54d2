// The size arithmetic of weight sharing that `minnow export --format shared` prints: a model's
// parameter bytes as 32-bit floats, in the dense shared form that export writes, and in Deep
// Compression's sparse form (Han et al. 2016), where a pruned layer stores only its nonzero
// weights, each as its k-bit index plus the gap to the previous one (relative index).
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "models/module.h"

namespace minnow {

// The gap bits of Deep Compression's relative index: 8 for conv layers, 5 for linear ones.
inline constexpr int kConvGapBits = 8, kLinearGapBits = 5;

// Entries of the relative-index form of one layer's codes (flattened in row-major order): one
// per nonzero weight (a code other than the pinned zero; every code when nothing is pinned),
// plus a filler zero wherever the gap from the previous entry exceeds 2^gap_bits positions.
int64_t relative_index_entries(std::span<const uint8_t> codes, bool pinned_zero, int gap_bits);

// A shared layer of n weights, e of them stored in the sparse form, takes 32 n bits as floats,
// ceil(k n / 8) bytes of dense indices or ceil(e (k + gap bits) / 8) bytes of sparse entries, and
// a 2^k-entry f32 codebook in either shared form. The other parameters (biases, BN, excluded
// layers) take 32 bits each in every form. The sparse form's per-row pointers are not counted.
struct SharedSize {
  int bits = 0;                // index bits
  int64_t layers = 0;          // shared layers
  int64_t shared_weights = 0;  // their weight values
  int64_t sparse_entries = 0;  // the sparse form's entries, fillers included
  int64_t weights_float_bytes = 0, weights_shared_bytes = 0, weights_sparse_bytes = 0;
  int64_t other_bytes = 0;
  int64_t float_bytes() const { return weights_float_bytes + other_bytes; }
  int64_t shared_bytes() const { return weights_shared_bytes + other_bytes; }
  int64_t sparse_bytes() const { return weights_sparse_bytes + other_bytes; }
};

// model: prepared for sharing (train/share/prepare_share.h), its codebooks filled.
SharedSize shared_size(Module& model);

// One line: the shared weights' bytes in the three forms, and all parameters', with the ratios.
std::string shared_size_line(const SharedSize& size);

}  // namespace minnow
