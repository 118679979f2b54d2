// The ShuffleNet v1 unit (Zhang et al. 2017, Fig. 2b/c): grouped 1x1 conv, BN + ReLU,
// channel shuffle, depthwise 3x3 (the stride), BN, grouped 1x1 conv, BN; then added to
// the input (stride 1) or concatenated after a 3x3 average-pooled copy of it (stride 2),
// and a final ReLU. Channel counts per group count and scale live in shufflenet_v1.h.
#pragma once

#include <memory>

#include "models/layers.h"

namespace minnow {

class ShuffleV1Unit : public Module {
 public:
  struct Options {
    int64_t in = 0;
    int64_t out = 0;  // the unit's output channels: in at stride 1, in + branch at stride 2
    int64_t mid = 0;  // bottleneck channels, a multiple of groups
    int64_t groups = 1;
    int64_t stride = 1;
    // The paper leaves the first 1x1 of stage 2's first unit ungrouped (24 input
    // channels are too few to split); the shuffle after it is then skipped too.
    bool group_first_conv = true;
  };
  explicit ShuffleV1Unit(const Options& options);
  const Options& options() const { return options_; }
  // Stride 1: a residual_sum of the branch (channel-shuffled after bn1) and the input; stride 2:
  // the concatenation of the pooled input and the branch. Then relu.
  OutputForm output_form() const override;

 protected:
  Var forward_impl(const Var& x) override;

 private:
  Options options_;
  std::shared_ptr<Conv2d> conv1_;     // 1x1, in -> mid, grouped unless group_first_conv is off
  std::shared_ptr<BatchNorm2d> bn1_;  // ReLU fused
  std::shared_ptr<Conv2d> conv2_;     // depthwise 3x3, mid -> mid, the unit's stride
  std::shared_ptr<BatchNorm2d> bn2_;
  std::shared_ptr<Conv2d> conv3_;  // grouped 1x1, mid -> out (stride 1) or out - in (stride 2)
  std::shared_ptr<BatchNorm2d> bn3_;
  std::shared_ptr<AvgPool2d> shortcut_;  // stride 2 only: 3x3 average pool, stride 2, padding 1
  std::shared_ptr<Activation> relu_;
};

}  // namespace minnow
