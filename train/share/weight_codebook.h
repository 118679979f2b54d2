// WeightCodebook: the shared form of one Conv2d or Linear weight (Deep Compression). The
// codebook (2^bits centroids) is a parameter that the optimizer trains; the per-weight
// indices and the clustered and pinned-zero flags are buffers, so checkpoints resume them
// exactly. As the layer's weight transform, once clustered, it replaces the weight by
// codebook[indices] (ops/gather_index.h): each centroid is trained with the summed gradients
// of its members, the layer's own weight with none. Before clustering it passes the weight on.
#pragma once

#include "models/module.h"

namespace minnow {

class WeightCodebook : public Module {
 public:
  // weight_dims: the layer's logical weight dims, (out, in / groups, kh, kw) or (out, in).
  WeightCodebook(const Dims& weight_dims, int bits);

  // Clusters weight (the layer's weight, any layout) with cluster_weights (train/share/kmeans.h).
  void cluster(const Tensor& weight);
  // codebook[indices]: plain f32 with the weight's dims, outside autograd.
  Tensor shared_weight() const;
  // Keeps the pinned zero at 0: drops its entry of the codebook's gradient.
  void drop_pinned_gradient() const;

  const Var& codebook() const { return codebook_; }   // (2^bits)
  const Tensor& indices() const { return indices_; }  // u8, the weight's dims
  bool pinned_zero() const { return *pinned_zero_.data<uint8_t>() != 0; }
  bool clustered() const { return *clustered_.data<uint8_t>() != 0; }
  int bits() const { return bits_; }

 protected:
  // codebook[indices], recorded for autograd (weight, the layer's own, only fixes the dims);
  // weight itself before clustering.
  Var forward_impl(const Var& weight) override;

 private:
  int bits_;
  Var codebook_;
  Tensor indices_, clustered_, pinned_zero_;  // the flags: u8 (1)
};

}  // namespace minnow
