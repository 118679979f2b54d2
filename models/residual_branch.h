// ResidualBranch: a block whose children sit in one Sequential under a given name
// (MobileNet-v2's "conv", MobileNet-v3's "block") and whose output is that branch, plus the
// input when the block keeps the shape (stride 1, in == out). The MobileNets' inverted
// residuals derive from it and only fill the branch.
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
  Var forward_impl(const Var& x) override;

 private:
  bool residual_;
  std::shared_ptr<Sequential> branch_;
};

}  // namespace minnow
