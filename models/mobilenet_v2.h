// MobileNet-v2 (Sandler et al. 2018) with torchvision's names and shapes:
// features.0 stem, features.1-17 inverted residuals, features.18 the 1x1 to the
// last channel, classifier.0 Dropout, classifier.1 Linear. Widths round to multiples
// of 8 as torchvision does; the last channel is 1280 x max(1, width).
// small_input: the stem and the first stride-2 stage (24 channels) run at stride 1,
// so a 32 px input is down-sampled 8x (the usual CIFAR adaptation).
#pragma once

#include <memory>

#include "models/conv_bn_act.h"
#include "models/features_pool_classifier.h"
#include "models/make_divisible.h"
#include "models/residual_branch.h"
#include "models/zoo.h"

namespace minnow {

// conv: [1x1 expand ConvBnAct (ReLU6) when expand != 1], 3x3 depthwise ConvBnAct (ReLU6),
// 1x1 projection Conv2d, BatchNorm2d (linear bottleneck). Residual add when stride 1 and in == out.
// Its output form: a residual_sum of conv and the input when residual (residual_branch.h).
class InvertedResidual : public ResidualBranch {
 public:
  struct Options {
    int64_t in = 0, out = 0, stride = 1, expand = 6;
  };
  explicit InvertedResidual(const Options& options);
};

class MobileNetV2 : public FeaturesPoolClassifier {
 public:
  explicit MobileNetV2(const ModelSpec& spec);
};

std::shared_ptr<Module> make_mobilenet_v2(const ModelSpec& spec);

}  // namespace minnow
