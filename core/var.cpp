// Var accessors and the backward entry points; the graph walk is in tape.cpp.
#include "core/var.h"

#include "core/error.h"
#include "core/tape.h"

namespace minnow {

Var::Var(Tensor data, bool requires_grad) : impl_(std::make_shared<VarImpl>()) {
  impl_->data = std::move(data);
  impl_->requires_grad = requires_grad;
}

const Tensor& Var::data() const {
  MINNOW_CHECK(impl_, "var: data() of an undefined Var");
  return impl_->data;
}

const Tensor& Var::grad() const {
  MINNOW_CHECK(impl_, "var: grad() of an undefined Var");
  return impl_->grad;
}

bool Var::requires_grad() const { return impl_ && impl_->requires_grad; }

bool Var::is_leaf() const { return impl_ && !impl_->grad_fn; }

void Var::set_data(Tensor data) const {
  MINNOW_CHECK(impl_, "var: set_data() on an undefined Var");
  MINNOW_CHECK(!impl_->data.defined() || impl_->data.numel() == data.numel(),
               "var: set_data expected ", impl_->data.numel(), " elements, got ", data.numel());
  impl_->data = std::move(data);
}

void Var::set_requires_grad(bool requires_grad) const {
  MINNOW_CHECK(impl_, "var: set_requires_grad() on an undefined Var");
  impl_->requires_grad = requires_grad;
}

void Var::set_grad(Tensor grad) const {
  MINNOW_CHECK(impl_, "var: set_grad() on an undefined Var");
  MINNOW_CHECK(!grad.defined() || grad.dims() == impl_->data.dims(), "var: set_grad expected dims ",
               dims_str(impl_->data.dims()), ", got ", dims_str(grad.dims()));
  impl_->grad = std::move(grad);
}

void Var::zero_grad() const {
  if (impl_) impl_->grad = Tensor();
}

void Var::backward(bool retain_graph) const {
  MINNOW_CHECK(data().numel() == 1, "backward: without an explicit gradient the Var must hold one element, got dims ",
               dims_str(dims()));
  backward(Tensor::full(dims(), 1.0f).to_layout(data().desc()), retain_graph);
}

void Var::backward(const Tensor& dy, bool retain_graph) const { run_backward(*this, dy, retain_graph); }

}  // namespace minnow
