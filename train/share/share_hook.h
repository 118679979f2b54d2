// Weight sharing as a training hook. On the built model (after model.init_weights, so a
// pruned model's zeros are kept) it attaches the codebooks (prepare_share.h); it clusters each
// layer's weight there, or at the start of share.start_epoch, and from then on the layer's own
// weight is frozen (no gradient) and, after each step, rewritten with codebook[indices], so
// checkpoints and the float export hold the shared values. After backward it keeps each pinned
// zero's gradient at 0. A resumed run's checkpoint restores codebooks, indices and flags.
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
  void on_epoch_start(int64_t epoch) override;
  void after_backward(const NamedParams& params) override;
  void after_step(const NamedParams& params) override;

 private:
  ShareConfig config_;
  std::vector<SharedLayer> layers_;
};

}  // namespace minnow
