// SqueezeExcitation (Hu et al. 2018) as torchvision.ops.SqueezeExcitation: the input times a
// per-channel gate, gate = scale_activation(fc2(activation(fc1(global_avg_pool(x))))), with
// fc1 and fc2 1x1 convs with bias. Children avgpool, fc1, activation, fc2, scale_activation,
// as torchvision's, so names such as "features.4.block.2.fc1.weight" match. The multiply is
// binary mul, which reports itself to the trace, so the block exports op by op. Its output
// form is gated: prepare_qat quantizes the product (s8), where the int8 model requantizes it.
// MobileNet-v3 gates with hardsigmoid.
#pragma once

#include <memory>

#include "models/layers.h"

namespace minnow {

class SqueezeExcitation : public Module {
 public:
  struct Options {
    int64_t channels = 0, squeeze = 0;
    ActivationKind activation = ActivationKind::relu;
    ActivationKind scale_activation = ActivationKind::sigmoid;  // torchvision's default
  };
  explicit SqueezeExcitation(const Options& options);

 protected:
  Var forward_impl(const Var& x) override;  // (N, C, H, W) -> (N, C, H, W)
  OutputForm output_form() const override { return {.kind = OutputForm::Kind::gated}; }

 private:
  std::shared_ptr<GlobalAvgPool> avgpool_;
  std::shared_ptr<Conv2d> fc1_, fc2_;
  std::shared_ptr<Activation> activation_, scale_activation_;
};

}  // namespace minnow
