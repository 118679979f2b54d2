// Xception's blocks (Chollet 2017, Figure 5): SeparableConvBn (depthwise 3x3, pointwise 1x1, BN,
// nothing between the two convolutions) and XceptionBlock, the residual unit of all three flows
// (ReLU + separable conv pairs, an optional 3x3 max-pool, a 1x1 conv + BN or identity shortcut).
// The flows and the model are in xception.h.
#pragma once

#include <memory>
#include <vector>

#include "models/layers.h"
#include "models/sequential.h"

namespace minnow {

// Children depthwise (3x3, groups = in, pad 1), pointwise (1x1), bn; no conv bias.
class SeparableConvBn : public Module {
 public:
  SeparableConvBn(int64_t in, int64_t out);

 protected:
  Var forward_impl(const Var& x) override;  // (N, in, H, W) -> (N, out, H, W)

 private:
  std::shared_ptr<Conv2d> depthwise_, pointwise_;
  std::shared_ptr<BatchNorm2d> bn_;
};

// Children in forward order: [relu1] sepconv1, relu2, sepconv2, ... (one per width), [pool],
// [shortcut]. relu1 exists when relu_first (the entry flow's first block takes a ReLU output).
// pool_stride > 0: MaxPool2d(3, pool_stride, pad 1) after the last separable conv, and a
// shortcut with children conv (1x1, stride pool_stride, no bias) and bn; pool_stride 0: no pool
// and the identity shortcut (in must equal the last width).
class XceptionBlock : public Module {
 public:
  struct Options {
    int64_t in = 0;
    std::vector<int64_t> widths{};  // each separable conv's output channels
    int64_t pool_stride = 0;
    bool relu_first = true;
  };
  explicit XceptionBlock(const Options& options);
  // The branch plus shortcut (or the input when there is none).
  OutputForm output_form() const override;

 protected:
  Var forward_impl(const Var& x) override;

 private:
  std::vector<std::shared_ptr<Module>> branch_;  // relus, separable convs and the pool in order
  std::shared_ptr<Module> shortcut_;             // null for the identity
};

}  // namespace minnow
