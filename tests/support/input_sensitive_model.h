// A zoo model for tests that compare logits across inputs or implementations, where logits
// that ignore the input would pass whatever the layers compute. GoogLeNet's own init (weights
// N(0, 0.01^2)) shrinks the eval-mode activations 6-10x a stage, so its logits are its fc bias
// for every input: its convs are re-drawn kaiming_normal (fan_out) and its linear N(0, 0.01^2)
// with bias 0. Every other model keeps its own init.
#pragma once

#include <memory>

#include "models/zoo.h"

namespace minnow::test_support {

std::shared_ptr<Module> create_input_sensitive_model(const ModelSpec& spec);

}  // namespace minnow::test_support
