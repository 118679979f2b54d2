// The checkpoint pass. Forward: fn on a PrivateTape, recording as usual (so its ops pick the
// same primitives as in the second run and that run reproduces the output), of which only the
// output's value is kept: what the ops saved is freed on return. One tape node for the segment. Backward: on a
// PrivateTape with grad mode and recomputing() on, fn runs again on fresh leaves holding the saved inputs, backward
// from its output with dy gives dx for each input; each parameter's gradient is taken out of the parameter (whose
// gradient so far is set aside and put back) and returned as its dx.
#include "ops/checkpoint.h"

#include <string>

#include "core/compute_type.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "core/tape.h"

namespace minnow {
namespace {

struct CheckpointSaved {
  std::vector<Tensor> xs;   // the inputs' values, shared with their Vars
  std::vector<Var> params;  // read again by fn, whose gradients are collected
  SegmentFn fn;
  DType compute;            // the forward's compute type (core/compute_type.h), for the second run
};

std::vector<Tensor> checkpoint_backward(const CheckpointSaved& saved, const Tensor& dy, const std::vector<bool>& need) {
  const size_t n = saved.xs.size();
  PrivateTape tape;
  EnableGrad grad;
  Recomputing recomputing;
  const ComputeScope compute(saved.compute);
  std::vector<Var> leaves;
  for (size_t i = 0; i < n; ++i) leaves.emplace_back(saved.xs[i], need[i]);
  std::vector<Tensor> set_aside;
  for (const auto& p : saved.params) {
    set_aside.push_back(p.grad());
    p.zero_grad();
  }
  const Var y = saved.fn(leaves);
  MINNOW_CHECK(y.requires_grad(),
               "checkpoint: the recomputed segment does not depend on any input that needs a gradient");
  y.backward(dy);
  std::vector<Tensor> dx(n + saved.params.size());
  for (size_t i = 0; i < n; ++i)
    if (need[i]) dx[i] = leaves[i].grad().defined() ? leaves[i].grad() : Tensor::zeros(saved.xs[i].desc());
  for (size_t j = 0; j < saved.params.size(); ++j) {
    const Var& p = saved.params[j];
    if (need[n + j]) dx[n + j] = p.grad().defined() ? p.grad() : Tensor::zeros(p.data().desc());
    if (set_aside[j].defined())
      p.set_grad(set_aside[j]);
    else
      p.zero_grad();
  }
  return dx;
}

}  // namespace

Var checkpoint(std::string_view op, const std::vector<Var>& xs, const std::vector<Var>& params, const SegmentFn& fn) {
  std::vector<Var> inputs = xs;
  inputs.insert(inputs.end(), params.begin(), params.end());
  if (!should_record(inputs)) return fn(xs);
  Tensor y;  // fn's value; its graph on the private tape is dropped with the Var
  {
    PrivateTape tape;
    y = fn(xs).data();
  }
  CheckpointSaved saved{{}, params, fn, compute_dtype()};
  for (const auto& x : xs) saved.xs.push_back(x.data());
  return record_op(op, std::move(inputs), y, [saved = std::move(saved)](const auto& dy, const auto& need) {
    return checkpoint_backward(saved, dy[0], need);
  });
}

}  // namespace minnow
