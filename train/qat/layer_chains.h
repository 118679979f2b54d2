// layer_chains: prepare_qat's reader of a container's children as layers (convert_int8 reads
// the traced graph instead, models/graph.h). In registration order (every zoo model registers
// its layers in execution order) it yields Conv2d -> optional BatchNorm2d -> optional Activation chains, each Linear,
// the global pooling and dropout, and every other child as itself (a block or a container,
// which the caller walks by its output form). Quantizer children are skipped.
#pragma once

#include <string>
#include <vector>

#include "models/layers.h"

namespace minnow {

struct LayerChain {
  enum class Kind { conv, linear, global_pool, dropout, other };
  Kind kind = Kind::other;
  std::string name;           // the first module's name in the container
  Module* first = nullptr;    // the conv or the linear of a chain; else the child itself
  Conv2d* conv = nullptr;     // kind conv
  Linear* linear = nullptr;   // kind linear
  BatchNorm2d* bn = nullptr;  // conv: the next sibling, when it normalises the (bias-free) conv's output
  Activation* act = nullptr;  // conv: the sibling after the conv or its BN
  // The module whose output is the chain's: act, else bn, else the first.
  Module& last() const;
};

std::vector<LayerChain> layer_chains(Module& container);

// The children prepare_qat adds: "activation_post_process", "weight_fake_quant", "input_fake_quant".
bool is_quantizer_name(const std::string& name);

}  // namespace minnow
