// Whole-model initialisation, as torchvision's per-model init loops: apply one scheme
// to every Conv2d or Linear of a module tree. BatchNorm2d already starts at weight 1,
// bias 0. The schemes themselves (and the seeded generator) are in init.h.
#pragma once

#include "models/module.h"

namespace minnow {

enum class ConvInit {
  kaiming_normal_fan_out,  // N(0, 2 / fan_out): torchvision's ResNet, MobileNet
  kaiming_normal_fan_in,   // N(0, 2 / fan_in): torchvision's DenseNet
  kaiming_uniform_fan_in,  // U(+-sqrt(6 / fan_in)): torchvision's SqueezeNet
};

// Every Conv2d below (and including) model: weight by scheme, bias (if any) zero.
void init_convs(Module& model, ConvInit scheme);
// Every Linear below model: weight N(0, stddev^2), bias (if any) zero.
void init_linears_normal(Module& model, float stddev);

}  // namespace minnow
