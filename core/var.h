// Var: a tensor in the autograd graph. It holds the value, the accumulated
// gradient, whether a gradient is wanted, and (for op outputs) the tape node
// that produced it. Copies of a Var share one VarImpl, like a Python reference.
// The graph holds an op output's node, not its VarImpl, so the value goes when the
// last Var and the last backward that saved it let go.
#pragma once

#include <memory>

#include "core/tensor.h"

namespace minnow {

struct Node;

struct VarImpl {
  Tensor data;
  Tensor grad;  // undefined until a backward reaches this Var
  bool requires_grad = false;
  std::shared_ptr<Node> grad_fn;  // null for leaves
  size_t output = 0;              // which of grad_fn's outputs this is
};

class Var {
 public:
  Var() = default;
  explicit Var(Tensor data, bool requires_grad = false);

  bool defined() const { return impl_ != nullptr; }
  const Tensor& data() const;
  // What backward summed for this Var: kept for leaves; an op output's gradient lives in its
  // node while backward runs and is consumed there, as in PyTorch.
  const Tensor& grad() const;
  Dims dims() const { return data().dims(); }
  bool requires_grad() const;
  bool is_leaf() const;

  // Replaces the value (dims must stay equal); used by optimizers and by ops
  // that move a parameter into the layout its primitive prefers.
  void set_data(Tensor data) const;
  void set_requires_grad(bool requires_grad) const;
  // Replaces the gradient (dims must equal the value's), e.g. after a layout change.
  void set_grad(Tensor grad) const;
  // Drops the gradient (the next backward starts from nothing).
  void zero_grad() const;

  // Backpropagates from this Var. Without dy the Var must hold one element (a loss),
  // seeded with 1. The graph's saved state is freed unless retain_graph is set.
  void backward(bool retain_graph = false) const;
  void backward(const Tensor& dy, bool retain_graph = false) const;

  VarImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<VarImpl>& shared_impl() const { return impl_; }
  explicit Var(std::shared_ptr<VarImpl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<VarImpl> impl_;
};

}  // namespace minnow
