// ResidualBranch's forward: the branch, and the add when the block is residual.
#include "models/residual_branch.h"

#include "ops/binary.h"

namespace minnow {

ResidualBranch::ResidualBranch(std::string type, const std::string& branch_name, bool residual)
    : Module(std::move(type)), residual_(residual) {
  branch_ = register_module(branch_name, std::make_shared<Sequential>());
}

Var ResidualBranch::forward_impl(const Var& x) {
  Var y = branch_->forward(x);
  return residual_ ? add(x, y) : y;
}

OutputForm ResidualBranch::output_form() const {
  return residual_ ? OutputForm{.kind = OutputForm::Kind::residual_sum} : OutputForm{};
}

}  // namespace minnow
