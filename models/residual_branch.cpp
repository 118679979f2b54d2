// ResidualBranch's forward: the branch, and the add (of the branch through before_add when set)
// when the block is residual.
#include "models/residual_branch.h"

#include "ops/binary.h"

namespace minnow {

ResidualBranch::ResidualBranch(std::string type, const std::string& branch_name, bool residual)
    : Module(std::move(type)), residual_(residual) {
  branch_ = register_module(branch_name, std::make_shared<Sequential>());
}

void ResidualBranch::set_before_add(const std::string& name, std::shared_ptr<Module> module) {
  before_add_ = register_module(name, std::move(module));
}

Var ResidualBranch::forward_impl(const Var& x) {
  Var y = branch_->forward(x);
  if (!residual_) return y;
  return add(x, before_add_ ? before_add_->forward(y) : y);
}

OutputForm ResidualBranch::output_form() const {
  return residual_ ? OutputForm{.kind = OutputForm::Kind::residual_sum} : OutputForm{};
}

}  // namespace minnow
