// EfficientNet-B0 (Tan & Le 2019) as torchvision 0.14's efficientnet_b0: features.0 the stem
// (3x3 stride-2 conv, BN, SiLU), features.1-7 stages of MBConv blocks (Table 1 of the paper),
// features.8 the 1x1 conv to 1280 (BN, SiLU), avgpool, classifier.0 Dropout (0.2),
// classifier.1 Linear. BN eps 1e-5, momentum 0.1 (torchvision's defaults for B0-B7).
// Stochastic depth on every residual branch, block i of 16 with p = 0.2 * i / 16.
// small_input: the stem and the first stride-2 stage (features.2, 24 channels) run at
// stride 1, so a 32 px input is down-sampled 8x instead of 32x (as MobileNet-v2's).
#pragma once

#include <memory>

#include "models/features_pool_classifier.h"
#include "models/residual_branch.h"
#include "models/zoo.h"

namespace minnow {

// torchvision's MBConv: child "block" holds [1x1 expand ConvBnAct (SiLU) when expand != 1],
// k x k depthwise ConvBnAct (SiLU), SqueezeExcitation (squeeze max(1, in / 4), SiLU, sigmoid),
// 1x1 projection ConvBnAct without activation; child "stochastic_depth". When stride is 1 and
// in == out: y = x + stochastic_depth(block(x)); else y = block(x).
class MBConv : public ResidualBranch {
 public:
  struct Options {
    int64_t in = 0, out = 0, kernel = 3, stride = 1, expand = 6;
    float stochastic_depth = 0.0f;
    uint64_t seed = 0;  // the stochastic-depth generator's
  };
  explicit MBConv(const Options& options);
};

class EfficientNet : public FeaturesPoolClassifier {
 public:
  explicit EfficientNet(const ModelSpec& spec);
};

std::shared_ptr<Module> make_efficientnet(const ModelSpec& spec);

}  // namespace minnow
