// SqueezeExcite (Hu et al. 2018) as torchvision.ops.SqueezeExcitation: global average pool,
// fc1 (1x1 conv with bias) to the squeeze channels, activation, fc2 (1x1 conv with bias) back,
// scale_activation, then the input times that per-channel gate. Children "fc1", "fc2",
// "activation", "scale_activation" carry torchvision's names (its avgpool has no parameters,
// so the pooling is a call here, not a child).
#pragma once

#include <memory>

#include "models/layers.h"

namespace minnow {

class SqueezeExcite : public Module {
 public:
  struct Options {
    int64_t channels = 0, squeeze = 0;
    ActivationKind act = ActivationKind::relu;       // torchvision's default; EfficientNet: swish
    ActivationKind gate = ActivationKind::sigmoid;   // MobileNet-v3: hardsigmoid
  };
  explicit SqueezeExcite(const Options& options);

 protected:
  // (N, C, H, W) -> (N, C, H, W): x * gate(fc2(act(fc1(mean over H, W of x)))).
  Var forward_impl(const Var& x) override;

 private:
  std::shared_ptr<Conv2d> fc1_, fc2_;
  std::shared_ptr<Activation> act_, gate_;
};

}  // namespace minnow
