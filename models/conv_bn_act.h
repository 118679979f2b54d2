// ConvBnAct: convolution without bias, batch norm, then an optional activation,
// as children "0", "1", "2" (torchvision's Conv2dNormActivation), so names such as
// "features.0.1.running_mean" match. A ReLU is fused into the batch norm primitive
// instead of being a child. A ReLU6 stays a child, but in training its batch norm and it
// run as one op (ops/batch_norm_relu6.h) while the batch norm has no hooks, the ReLU6 no
// pre-hooks (its forward hooks see the op's output) and neither has been folded, quantized or
// replaced; exports, QAT and int8 see the three children as they are.
// The building brick of the MobileNets.
#pragma once

#include <optional>

#include "models/layers.h"
#include "models/sequential.h"

namespace minnow {

class ConvBnAct : public Sequential {
 public:
  struct Options {
    int64_t in = 0, out = 0, kernel = 3;
    int64_t stride = 1;
    int64_t groups = 1;
    std::optional<ActivationKind> act = ActivationKind::relu;
    float bn_eps = 1e-5f, bn_momentum = 0.1f;  // PyTorch's defaults; MobileNet-v3 uses 1e-3, 0.01
  };
  explicit ConvBnAct(const Options& options);
  const Conv2d& conv() const { return *conv_; }
  const BatchNorm2d& bn() const { return *bn_; }
  // Whether the next forward runs the batch norm and its ReLU6 as one op.
  bool fuses_bn_relu6() const;

 protected:
  Var forward_impl(const Var& x) override;

 private:
  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<BatchNorm2d> bn_;
  std::shared_ptr<Activation> act_;  // null when the activation is a fused ReLU or none
};

}  // namespace minnow
