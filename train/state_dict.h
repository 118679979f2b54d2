// A module's state as a safetensors file and back: every parameter and buffer by
// its dotted name, plain row-major with its logical (PyTorch) shape. Loading is
// strict: missing, unexpected and mis-shaped tensors are reported by name.
#pragma once

#include <string>

#include "core/safetensors.h"
#include "models/module.h"

namespace minnow {

// Parameters as f32 and buffers in their own type, under prefix + name.
SafeTensors state_dict(const Module& module, const std::string& prefix = "");

// Copies every parameter and buffer of module from file's tensors named prefix + name.
// source names the file in errors. Tensors outside the prefix are ignored.
void load_state_dict(Module& module, const SafeTensors& file, const std::string& source,
                     const std::string& prefix = "");

}  // namespace minnow
