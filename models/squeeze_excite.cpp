// SqueezeExcite's forward: the gate is (N, C, 1, 1), broadcast over H and W by ops/binary's mul.
#include "models/squeeze_excite.h"

#include "core/error.h"
#include "ops/binary.h"
#include "ops/pooling.h"

namespace minnow {

SqueezeExcite::SqueezeExcite(const Options& o) : Module("SqueezeExcite") {
  MINNOW_CHECK(o.channels > 0 && o.squeeze > 0, "SqueezeExcite: expected channels > 0 and squeeze > 0, got ",
               o.channels, " and ", o.squeeze);
  // Registered in execution order (torchvision registers fc2 before activation; the parameter
  // order, fc1 then fc2, is the same either way).
  fc1_ = register_module("fc1", std::make_shared<Conv2d>(Conv2d::Options{.in = o.channels, .out = o.squeeze}));
  act_ = register_module("activation", std::make_shared<Activation>(o.act));
  fc2_ = register_module("fc2", std::make_shared<Conv2d>(Conv2d::Options{.in = o.squeeze, .out = o.channels}));
  gate_ = register_module("scale_activation", std::make_shared<Activation>(o.gate));
}

Var SqueezeExcite::forward_impl(const Var& x) {
  const Var scale = gate_->forward(fc2_->forward(act_->forward(fc1_->forward(global_avg_pool(x)))));  // (N, C, 1, 1)
  return mul(x, scale);
}

}  // namespace minnow
