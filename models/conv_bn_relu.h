// conv_bn_relu: the stem and head pattern Sequential(Conv2d, BatchNorm2d, ReLU), whose
// children "0", "1", "2" give torchvision's names ("conv1.0.weight", "conv1.1.running_mean").
// The conv never has a bias: BN's beta takes its place.
#pragma once

#include <memory>

#include "models/layers.h"
#include "models/sequential.h"

namespace minnow {

std::shared_ptr<Sequential> conv_bn_relu(Conv2d::Options conv);

}  // namespace minnow
