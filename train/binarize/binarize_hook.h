// Binarization as a training hook: on the built model it attaches the binarized weights (and
// activations) of prepare_binarize. It adds no state, so resume and eval need nothing more.
#pragma once

#include "train/binarize/prepare_binarize.h"
#include "train/train_hook.h"

namespace minnow {

class BinarizeHook : public TrainHook {
 public:
  explicit BinarizeHook(BinarizeConfig config) : config_(std::move(config)) {}

  void on_model(Module& model) override { (void)prepare_binarize(model, config_); }

 private:
  BinarizeConfig config_;
};

}  // namespace minnow
