// Weight sharing as a training hook. On the built model (after model.init_weights, so a
// pruned model's zeros are kept) it attaches the codebooks (prepare_share.h) and clusters
// each layer's weight; after backward it keeps each pinned zero's gradient at 0; after each
// step it writes codebook[indices] into the layers' own (frozen) weights, so checkpoints and
// the float export hold the shared values. A resumed run's checkpoint overwrites the codebooks,
// indices and weights that on_model made.
#pragma once

#include <vector>

#include "train/config.h"
#include "train/share/prepare_share.h"
#include "train/train_hook.h"

namespace minnow {

class ShareHook : public TrainHook {
 public:
  explicit ShareHook(ShareConfig config) : config_(std::move(config)) {}

  void on_model(Module& model) override;
  void after_backward(const NamedParams& params) override;
  void after_step(const NamedParams& params) override;

 private:
  ShareConfig config_;
  std::vector<SharedLayer> layers_;
};

}  // namespace minnow
