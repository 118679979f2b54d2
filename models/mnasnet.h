// MNASNet (Tan et al. 2019) as torchvision's MNASNet, the B1 variant (no squeeze-and-excitation):
// layers.0-7 the stem (3x3 conv, BN, ReLU, 3x3 depthwise, BN, ReLU, 1x1 conv, BN), layers.8-13
// six stacks of inverted residuals, layers.14-16 the 1x1 conv to 1280, BN, ReLU; classifier.0
// Dropout, classifier.1 Linear. Depths scale by alpha (ModelSpec::width) with torchvision's
// _get_depths rounding; every BN has momentum 1 - 0.9997, as torchvision sets it.
// small_input: layers.0 and the first block of layers.8 (the first 24-channel stage) run at
// stride 1 instead of 2, so a 32 px input is down-sampled 8x (to 4x4) instead of 32x.
#pragma once

#include <memory>

#include "models/features_pool_classifier.h"
#include "models/residual_branch.h"
#include "models/zoo.h"

namespace minnow {

// torchvision's _round_to_multiple_of(value, 8): value rounded to a multiple of 8, rounded up
// when the nearest multiple is below 90% of value.
int64_t mnasnet_round_depth(double value);

// torchvision's _InvertedResidual: child "layers" holds 1x1 expand conv, BN, ReLU, k x k depthwise
// conv, BN, ReLU, 1x1 projection conv, BN (children 0-7). Residual add when stride 1 and in == out.
class MnasInvertedResidual : public ResidualBranch {
 public:
  struct Options {
    int64_t in = 0, out = 0, kernel = 3, stride = 1, expand = 3;
    float bn_momentum = 0.1f;
  };
  explicit MnasInvertedResidual(const Options& options);
};

// Children layers (torchvision's features), pool and classifier.
class MnasNet : public FeaturesPoolClassifier {
 public:
  explicit MnasNet(const ModelSpec& spec);
};

// Names: mnasnet (alpha = width), mnasnet0_5, mnasnet1_0 (the name fixes alpha).
std::shared_ptr<Module> make_mnasnet(const ModelSpec& spec);

}  // namespace minnow
