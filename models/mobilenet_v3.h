// MobileNet-v3 small and large (Howard et al. 2019) with torchvision 0.14's names and
// shapes: features.0 the 3x3 stride-2 hardswish stem, features.1-11 (small) or 1-15 (large)
// the blocks, then the 1x1 hardswish conv to 6x the last block's channels (576 / 960);
// classifier.0 Linear to 1024 / 1280, .1 Hardswish, .2 Dropout (0.2), .3 Linear. BN eps 1e-3,
// momentum 0.01. Width: every channel count make_divisible(c * width), the hidden classifier
// width too (no max(1, width) as in v2). small_input: the stem and the first stride-2 block
// (small: features.1, large: features.2) run at stride 1, so the input is down-sampled 8x
// instead of 32x (28 or 32 px end at 4x4).
#pragma once

#include <memory>

#include "models/conv_bn_act.h"
#include "models/features_pool_classifier.h"
#include "models/residual_branch.h"
#include "models/zoo.h"

namespace minnow {

// torchvision's mobilenetv3.InvertedResidual: [1x1 expand ConvBnAct when expanded != in],
// k x k depthwise ConvBnAct, [SqueezeExcitation with make_divisible(expanded / 4) squeeze
// channels and a hardsigmoid gate], 1x1 projection ConvBnAct without activation; children
// under "block". Activations hardswish or ReLU; residual add when stride 1 and in == out
// (residual_branch.h).
class InvertedResidualV3 : public ResidualBranch {
 public:
  struct Options {
    int64_t in = 0, kernel = 3, expanded = 0, out = 0;
    bool se = false;
    bool hardswish = false;  // else ReLU
    int64_t stride = 1;
  };
  explicit InvertedResidualV3(const Options& options);
};

class MobileNetV3 : public FeaturesPoolClassifier {
 public:
  explicit MobileNetV3(const ModelSpec& spec);  // spec.name: mobilenet_v3_small or mobilenet_v3_large
};

std::shared_ptr<Module> make_mobilenet_v3(const ModelSpec& spec);

}  // namespace minnow
