// BasicConv2d: GoogLeNet's (and torchvision's Inception models') conv brick, a convolution
// without bias, batch norm (eps 0.001) and ReLU, as children "conv" and "bn" so that names
// such as "inception3a.branch2.1.bn.running_var" match torchvision. The ReLU runs fused into
// the batch norm primitive (torchvision applies F.relu, which has no module either).
#pragma once

#include <memory>

#include "models/layers.h"

namespace minnow {

class BasicConv2d : public Module {
 public:
  struct Options {
    int64_t in = 0, out = 0, kernel = 1;  // "same" padding: kernel / 2
    int64_t stride = 1;
  };
  explicit BasicConv2d(const Options& options);

 protected:
  Var forward_impl(const Var& x) override;  // (N, in, H, W) -> (N, out, H / stride, W / stride)

 private:
  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<BatchNorm2d> bn_;
};

}  // namespace minnow
