// ConvBnAct: convolution without bias, batch norm, then an optional activation,
// as children "0", "1", "2" (torchvision's Conv2dNormActivation), so names such as
// "features.0.1.running_mean" match. A ReLU is fused into the batch norm primitive
// instead of being a child. The building brick of the MobileNets.
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

 private:
  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<BatchNorm2d> bn_;
};

}  // namespace minnow
