// Walks named_modules() in registration order, so one seed gives one set of weights.
#include "models/module_init.h"

#include "models/init.h"
#include "models/layers.h"

namespace minnow {

void init_convs(Module& model, ConvInit scheme) {
  for (const auto& [name, module] : model.named_modules()) {
    const auto* conv = dynamic_cast<const Conv2d*>(module);
    if (conv == nullptr) continue;
    const auto& o = conv->options();
    const Dims shape{o.out, o.in / o.groups, o.kernel, o.kernel};  // logical, whatever the layout
    switch (scheme) {
      case ConvInit::kaiming_normal_fan_out: init_kaiming_normal_fan_out(conv->weight(), shape); break;
      case ConvInit::kaiming_normal_fan_in: init_kaiming_normal_fan_in(conv->weight(), shape); break;
      case ConvInit::kaiming_uniform_fan_in: init_kaiming_uniform_fan_in(conv->weight(), shape); break;
    }
    if (conv->bias().defined()) init_constant(conv->bias(), 0.0f);
  }
}

void init_linears_normal(Module& model, float stddev) {
  for (const auto& [name, module] : model.named_modules()) {
    const auto* linear = dynamic_cast<const Linear*>(module);
    if (linear == nullptr) continue;
    init_normal(linear->weight(), stddev);
    if (linear->bias().defined()) init_constant(linear->bias(), 0.0f);
  }
}

}  // namespace minnow
