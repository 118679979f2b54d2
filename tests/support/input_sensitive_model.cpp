// create_input_sensitive_model: the zoo model, re-initialised where its own init hides the input.
#include "tests/support/input_sensitive_model.h"

#include "models/module_init.h"

namespace minnow::test_support {

std::shared_ptr<Module> create_input_sensitive_model(const ModelSpec& spec) {
  auto model = create_model(spec);
  if (spec.name == "googlenet") {
    init_convs(*model, ConvInit::kaiming_normal_fan_out);
    init_linears_normal(*model, 0.01f);
  }
  return model;
}

}  // namespace minnow::test_support
