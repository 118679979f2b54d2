// ConvBnAct construction: "same" padding for odd kernels, no conv bias (BN has one).
#include "models/conv_bn_act.h"

namespace minnow {

ConvBnAct::ConvBnAct(const Options& o) : Sequential("ConvBnAct") {
  conv_ = add(std::make_shared<Conv2d>(Conv2d::Options{
      .in = o.in, .out = o.out, .kernel = o.kernel, .stride = o.stride, .groups = o.groups, .bias = false}));
  // ReLU runs fused into the batch norm (no parameters, so the names stay torchvision's).
  const bool fuse = o.act == ActivationKind::relu;
  bn_ = add(std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = o.out, .eps = o.bn_eps, .momentum = o.bn_momentum, .fuse_relu = fuse}));
  if (o.act && !fuse) add(std::make_shared<Activation>(*o.act));
}

}  // namespace minnow
