// One layer's weights clustered for Deep Compression's weight sharing (Han et al. 2016):
// 1-D k-means into 2^bits centroids, linearly initialised (evenly spaced from the smallest
// to the largest weight), Lloyd iterations until no assignment changes or a cap. Weights
// that are exactly zero (pruned) keep a dedicated centroid 0 pinned at 0 and take no part
// in the clustering; the others share the remaining 2^bits - 1 centroids.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace minnow {

struct SharedWeights {
  std::vector<float> codebook;   // (2^bits) centroids; entry 0 is 0 when pinned_zero
  std::vector<uint8_t> indices;  // one per weight, into codebook
  bool pinned_zero = false;      // some weight was zero: codebook[0] = 0 holds exactly those
  int iterations = 0;            // Lloyd iterations run
};

// weights: any number of values (a layer's weight, flattened); bits in [1, 8].
// Deterministic: the same weights give the same result. A weight is assigned to its nearest
// centroid, ties to the lower index; an empty cluster keeps its centroid.
SharedWeights cluster_weights(std::span<const float> weights, int bits, int max_iterations = 100);

}  // namespace minnow
