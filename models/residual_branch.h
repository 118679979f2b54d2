// ResidualBranch: a block whose children sit in one Sequential under a given name
// (MobileNet-v2's "conv", MobileNet-v3's and EfficientNet's "block", MNASNet's "layers") and
// whose output is that branch, plus the input when the block keeps the shape (stride 1,
// in == out). The inverted residuals of those four families derive from it and only fill the
// branch; EfficientNet's also sets the stochastic depth that scales the branch before the add.
#pragma once

#include <memory>
#include <string>

#include "models/sequential.h"

namespace minnow {

class ResidualBranch : public Module {
 public:
  // A residual_sum of the branch and the input when residual; else plain.
  OutputForm output_form() const override;

 protected:
  ResidualBranch(std::string type, const std::string& branch_name, bool residual);
  Sequential& branch() { return *branch_; }
  // Registers module (after the branch, under name) to run on the branch's output before the
  // add: y = x + module(branch(x)). A block that is not residual registers it too but never runs it.
  void set_before_add(const std::string& name, std::shared_ptr<Module> module);
  Var forward_impl(const Var& x) override;

 private:
  bool residual_;
  std::shared_ptr<Sequential> branch_;
  std::shared_ptr<Module> before_add_;  // null: the branch is added as it is
};

}  // namespace minnow
