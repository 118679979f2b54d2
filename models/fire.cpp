// Fire: construction (convs with bias, as torchvision) and the squeeze-expand forward.
#include "models/fire.h"

#include "ops/concat.h"

namespace minnow {

Fire::Fire(const Options& options) : Module("Fire") {
  const auto& o = options;
  squeeze_ =
      register_module("squeeze", std::make_shared<Conv2d>(Conv2d::Options{.in = o.in, .out = o.squeeze, .kernel = 1}));
  squeeze_activation_ = register_module("squeeze_activation", std::make_shared<Activation>(ActivationKind::relu));
  expand1x1_ = register_module(
      "expand1x1", std::make_shared<Conv2d>(Conv2d::Options{.in = o.squeeze, .out = o.expand1x1, .kernel = 1}));
  expand1x1_activation_ = register_module("expand1x1_activation", std::make_shared<Activation>(ActivationKind::relu));
  expand3x3_ = register_module(
      "expand3x3", std::make_shared<Conv2d>(Conv2d::Options{.in = o.squeeze, .out = o.expand3x3, .kernel = 3}));
  expand3x3_activation_ = register_module("expand3x3_activation", std::make_shared<Activation>(ActivationKind::relu));
}

Var Fire::forward_impl(const Var& x) {
  const Var s = squeeze_activation_->forward(squeeze_->forward(x));  // (N, squeeze, H, W)
  return concat({expand1x1_activation_->forward(expand1x1_->forward(s)),
                 expand3x3_activation_->forward(expand3x3_->forward(s))});  // (N, e1 + e3, H, W)
}

OutputForm Fire::output_form() const { return {.kind = OutputForm::Kind::concatenation, .non_negative = true}; }

}  // namespace minnow
