// MobileNet-v1 (Howard et al. 2017, Table 1): a 3x3 stride-2 stem then 13
// depthwise-separable blocks (3x3 depthwise + 1x1 pointwise, each with BN and ReLU),
// global average pooling and a linear classifier. Every channel count is
// int(c * width), so any width > 0 works; global pooling accepts any resolution.
// small_input: the stem runs at stride 1 (total down-sampling 16x instead of 32x).
#pragma once

#include <memory>

#include "models/conv_bn_act.h"
#include "models/features_pool_classifier.h"
#include "models/zoo.h"

namespace minnow {

// dw: 3x3 depthwise ConvBnAct; pw: 1x1 ConvBnAct.
class DepthwiseSeparable : public Module {
 public:
  DepthwiseSeparable(int64_t in, int64_t out, int64_t stride);

 protected:
  Var forward_impl(const Var& x) override;

 private:
  std::shared_ptr<ConvBnAct> dw_, pw_;
};

// Children: features (Sequential: stem, then the blocks), pool, classifier (Dropout, Linear).
class MobileNetV1 : public FeaturesPoolClassifier {
 public:
  explicit MobileNetV1(const ModelSpec& spec);
};

std::shared_ptr<Module> make_mobilenet_v1(const ModelSpec& spec);

}  // namespace minnow
