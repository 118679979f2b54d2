// ResNet's residual blocks (He et al. 2016), with torchvision's child names:
// BasicBlock (two 3x3 convs) and Bottleneck (1x1, 3x3 with the stride, 1x1 to 4x planes,
// the v1.5 placement). When the shape changes, the shortcut is a projection
// "downsample" = Sequential(1x1 conv with the stride, BN); otherwise it is the identity.
#pragma once

#include <memory>

#include "models/layers.h"
#include "models/sequential.h"

namespace minnow {

struct ResidualBlockOptions {
  int64_t in = 0;
  int64_t planes = 0;  // BasicBlock outputs planes, Bottleneck 4 * planes
  int64_t stride = 1;
};

class BasicBlock : public Module {
 public:
  static constexpr int64_t expansion = 1;
  explicit BasicBlock(const ResidualBlockOptions& options);
  // relu(branch + shortcut), the shortcut being downsample or the identity.
  OutputForm output_form() const override;

 protected:
  Var forward_impl(const Var& x) override;

 private:
  std::shared_ptr<Conv2d> conv1_;     // 3x3, in -> planes, stride
  std::shared_ptr<BatchNorm2d> bn1_;  // ReLU fused
  std::shared_ptr<Conv2d> conv2_;     // 3x3, planes -> planes
  std::shared_ptr<BatchNorm2d> bn2_;
  std::shared_ptr<Activation> relu_;        // after the addition
  std::shared_ptr<Sequential> downsample_;  // null for the identity shortcut
};

class Bottleneck : public Module {
 public:
  static constexpr int64_t expansion = 4;
  explicit Bottleneck(const ResidualBlockOptions& options);
  OutputForm output_form() const override;  // as BasicBlock's

 protected:
  Var forward_impl(const Var& x) override;

 private:
  std::shared_ptr<Conv2d> conv1_;     // 1x1, in -> planes
  std::shared_ptr<BatchNorm2d> bn1_;  // ReLU fused
  std::shared_ptr<Conv2d> conv2_;     // 3x3, planes -> planes, stride
  std::shared_ptr<BatchNorm2d> bn2_;  // ReLU fused
  std::shared_ptr<Conv2d> conv3_;     // 1x1, planes -> 4 planes
  std::shared_ptr<BatchNorm2d> bn3_;
  std::shared_ptr<Activation> relu_;  // after the addition
  std::shared_ptr<Sequential> downsample_;
};

}  // namespace minnow
