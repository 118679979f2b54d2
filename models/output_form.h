// OutputForm: how a module forms its output from its children, so that prepare_qat places
// its quantizers by the block's math instead of its type. (convert_int8 and the ONNX export
// read the traced graph instead, models/graph.h.) A block says it by overriding Module::output_form(); the default,
// plain, is every container that runs its children in order, and every leaf.
#pragma once

namespace minnow {

class Module;

struct OutputForm {
  enum class Kind {
    plain,          // the children run in registration order, each feeding the next; a leaf is its own op
    residual_sum,   // the branch (the children other than shortcut and then, in order) plus the shortcut
    concatenation,  // the outputs of several branches joined along channels, as the block's forward says
    gated,          // the input times a gate the children compute from it (squeeze-and-excitation)
  };
  Kind kind = Kind::plain;
  const Module* shortcut = nullptr;  // residual_sum: the child that carries the input to the sum; null: the input
  const Module* then = nullptr;      // a child that runs on the sum or the concatenation (a final ReLU); or null
  bool non_negative = false;         // sums and concatenations: the output is >= 0 wherever the input is
};

}  // namespace minnow
