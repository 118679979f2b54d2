// SqueezeExcitation's forward: global average pool (kept 4-D), the two 1x1 convs, and the
// gate multiplied in with binary mul's (N, C, 1, 1) broadcast.
#include "models/squeeze_excitation.h"

#include "core/error.h"
#include "ops/binary.h"

namespace minnow {

SqueezeExcitation::SqueezeExcitation(const Options& o) : Module("SqueezeExcitation") {
  MINNOW_CHECK(o.channels >= 1 && o.squeeze >= 1, "SqueezeExcitation: expected channels and squeeze >= 1, got ",
               o.channels, " and ", o.squeeze);
  avgpool_ = register_module("avgpool", std::make_shared<GlobalAvgPool>(GlobalAvgPool::Options{.flatten = false}));
  fc1_ = register_module("fc1", std::make_shared<Conv2d>(Conv2d::Options{.in = o.channels, .out = o.squeeze}));
  activation_ = register_module("activation", std::make_shared<Activation>(o.activation));
  fc2_ = register_module("fc2", std::make_shared<Conv2d>(Conv2d::Options{.in = o.squeeze, .out = o.channels}));
  scale_activation_ = register_module("scale_activation", std::make_shared<Activation>(o.scale_activation));
}

Var SqueezeExcitation::forward_impl(const Var& x) {
  const Var scale = scale_activation_->forward(fc2_->forward(activation_->forward(fc1_->forward(avgpool_->forward(x)))));
  return mul(x, scale);  // scale: (N, C, 1, 1)
}

}  // namespace minnow
