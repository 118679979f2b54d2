// Recording op nodes and walking them backwards. Nodes are owned by the Vars
// they produced (grad_fn), so a graph nobody holds disappears on its own; the
// tape keeps weak references in forward order, which is a valid topological order.
#include "core/tape.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <unordered_map>

#include "core/compute_type.h"
#include "core/error.h"
#include "core/grad_mode.h"

namespace minnow {
namespace {

struct Tape {
  std::vector<std::weak_ptr<Node>> nodes;
  size_t live_after_prune = 0;

  void push(const std::shared_ptr<Node>& node) {
    // Forward passes that are never backpropagated leave expired entries; prune them now and then.
    if (nodes.size() > 2 * live_after_prune + 1024) {
      std::erase_if(nodes, [](const auto& n) { return n.expired(); });
      live_after_prune = nodes.size();
    }
    nodes.push_back(node);
  }
};

thread_local Tape t_tape;
thread_local BackwardListener* t_listener = nullptr;

// For each leaf that wants a gradient: how many of the tape's nodes take it as an input.
std::unordered_map<VarImpl*, int> leaf_uses(const std::vector<std::weak_ptr<Node>>& nodes) {
  std::unordered_map<VarImpl*, int> uses;
  for (const auto& weak : nodes) {
    const auto node = weak.lock();
    if (!node) continue;
    for (const auto& in : node->inputs)
      if (in.leaf.requires_grad()) ++uses[in.leaf.impl()];
  }
  return uses;
}

// How a node reaches v: a leaf by its Var, an op output by its producer.
NodeInput node_input(const Var& v) {
  NodeInput in;
  if (v.defined() && !v.is_leaf()) {
    in.producer = v.impl()->grad_fn;
    in.output = v.impl()->output;
  } else {
    in.leaf = v;
  }
  return in;
}

// out = a + b, all three f32 in one layout; out may be a.
void add_f32(const Tensor& a, const Tensor& b, const Tensor& out) {
  const auto pa = a.f32_buffer(), pb = b.f32_buffer(), po = out.f32_buffer();
  const auto n = static_cast<int64_t>(po.size());
#pragma omp parallel for simd if (n > 65536)
  for (int64_t i = 0; i < n; ++i) po[static_cast<size_t>(i)] = pa[static_cast<size_t>(i)] + pb[static_cast<size_t>(i)];
}

Tensor add_same_layout(const Tensor& a, const Tensor& b) {
  if (a.dtype() != DType::f32) return add_same_layout(as_f32(a), as_f32(b)).to_layout(a.desc());  // bf16: summed in f32
  Tensor out(a.desc());
  add_f32(a, b, out);
  return out;
}

}  // namespace

bool should_record(const std::vector<Var>& inputs) {
  if (!grad_enabled()) return false;
  for (const auto& v : inputs)
    if (v.requires_grad()) return true;
  return false;
}

std::vector<Var> record_op(std::string_view op, std::vector<Var> inputs, std::vector<Tensor> ys,
                           BackwardFn backward) {
  if (anomaly_enabled())
    for (const auto& y : ys) check_finite(y, op, "forward output");
  std::vector<Var> outputs;
  outputs.reserve(ys.size());
  for (auto& y : ys) outputs.emplace_back(std::move(y));
  if (!should_record(inputs)) return outputs;
  MINNOW_CHECK(backward, "autograd: op '", op, "' recorded without a backward function");
  auto node = std::make_shared<Node>();
  node->op = std::string(op);
  node->inputs.reserve(inputs.size());
  for (const auto& in : inputs) node->inputs.push_back(node_input(in));
  node->backward = std::move(backward);
  for (size_t k = 0; k < outputs.size(); ++k) {
    VarImpl& out = *outputs[k].impl();
    out.requires_grad = true;
    out.grad_fn = node;
    out.output = k;
    node->output_descs.push_back(out.data.desc());
  }
  node->output_grads.resize(outputs.size());
  t_tape.push(node);
  return outputs;
}

Var record_op(std::string_view op, std::vector<Var> inputs, Tensor y, BackwardFn backward) {
  std::vector<Tensor> ys;
  ys.push_back(std::move(y));
  return record_op(op, std::move(inputs), std::move(ys), std::move(backward)).front();
}

namespace {

// sum += g, where sum is a leaf's gradient or a node's output gradient of dims `dims`.
void add_into(Tensor& sum, const Tensor& g, const Dims& dims, std::string_view op) {
  MINNOW_CHECK(g.defined(), "autograd: backward of '", op, "' returned no gradient for an input that needs one");
  MINNOW_CHECK(g.dims() == dims, "autograd: backward of '", op, "' produced a gradient of dims ", dims_str(g.dims()),
               " for an input of dims ", dims_str(dims));
  if (!sum.defined()) {
    sum = g;
    return;
  }
  // Add in place only into a buffer nothing else holds: a stored gradient may share storage
  // with another Var's (add's backward hands one dy to both inputs), or a caller may hold it.
  const Tensor g_same = g.to_layout(sum.desc());
  if (sum.sole_owner() && sum.dtype() == DType::f32)
    add_f32(sum, g_same, sum);
  else
    sum = add_same_layout(sum, g_same);
}

void accumulate_grad(const NodeInput& in, const Tensor& g, std::string_view op) {
  if (in.producer) {
    add_into(in.producer->output_grads[in.output], g, in.producer->output_descs[in.output].dims(), op);
    return;
  }
  accumulate_grad(in.leaf, g, op);
}

}  // namespace

void accumulate_grad(const Var& v, const Tensor& g, std::string_view op) {
  VarImpl& impl = *v.impl();
  add_into(impl.grad, g, impl.data.dims(), op);
}

void run_backward(const Var& root, const Tensor& dy, bool retain_graph) {
  MINNOW_CHECK(root.requires_grad(), "backward: the Var does not require a gradient (no input of its graph does)");
  MINNOW_CHECK(dy.dims() == root.dims(), "backward: gradient dims ", dims_str(dy.dims()), " differ from the Var's ",
               dims_str(root.dims()));
  accumulate_grad(node_input(root), dy, "backward seed");
  if (root.is_leaf()) return;

  auto& nodes = t_tape.nodes;
  BackwardListener* const listener = t_listener;
  std::unordered_map<VarImpl*, int> uses = listener ? leaf_uses(nodes) : decltype(uses){};
  // After node has been visited: its leaf inputs have one use fewer left; those at none are final.
  auto visited = [&](const Node& node) {
    if (!listener) return;
    for (const auto& in : node.inputs) {
      if (!in.leaf.requires_grad()) continue;
      if (const auto it = uses.find(in.leaf.impl()); it != uses.end() && --it->second == 0)
        listener->leaf_done(in.leaf);
    }
    listener->node_done();
  };
  for (size_t i = nodes.size(); i-- > 0;) {
    const auto node = nodes[i].lock();
    if (!node) continue;
    if (std::ranges::none_of(node->output_grads, [](const Tensor& g) { return g.defined(); })) {
      visited(*node);
      continue;
    }
    MINNOW_CHECK(node->backward, "backward: the graph through '", node->op,
                 "' was already freed by an earlier backward; pass retain_graph=true to keep it");
    // Gradients of intermediate results are consumed here, as in PyTorch.
    std::vector<Tensor> dys(node->output_grads.size());
    for (size_t k = 0; k < dys.size(); ++k) {
      const Tensor g = std::exchange(node->output_grads[k], Tensor());
      dys[k] = g.defined() ? g.to_layout(node->output_descs[k]) : Tensor::zeros(node->output_descs[k]);
    }
    std::vector<bool> need(node->inputs.size());
    for (size_t j = 0; j < need.size(); ++j) need[j] = node->inputs[j].requires_grad();

    const std::vector<Tensor> dxs = node->backward(dys, need);
    MINNOW_CHECK(dxs.size() == node->inputs.size(), "autograd: backward of '", node->op, "' returned ", dxs.size(),
                 " gradients for ", node->inputs.size(), " inputs");
    for (size_t j = 0; j < need.size(); ++j) {
      if (!need[j]) continue;
      if (anomaly_enabled()) check_finite(dxs[j], node->op, "backward gradient of input " + std::to_string(j));
      accumulate_grad(node->inputs[j], dxs[j], node->op);
    }
    if (!retain_graph) node->backward = nullptr;
    visited(*node);
  }
}

ListenToBackward::ListenToBackward(BackwardListener& listener) : previous_(t_listener) { t_listener = &listener; }
ListenToBackward::~ListenToBackward() { t_listener = previous_; }

PrivateTape::PrivateTape()
    : outer_nodes_(std::move(t_tape.nodes)), outer_live_after_prune_(t_tape.live_after_prune), outer_listener_(t_listener) {
  t_tape.nodes.clear();
  t_tape.live_after_prune = 0;
  t_listener = nullptr;
}

PrivateTape::~PrivateTape() {
  t_tape.nodes = std::move(outer_nodes_);
  t_tape.live_after_prune = outer_live_after_prune_;
  t_listener = outer_listener_;
}

size_t tape_size() {
  size_t live = 0;
  for (const auto& n : t_tape.nodes) live += !n.expired();
  return live;
}

void clear_tape() { t_tape.nodes.clear(); }

void check_finite(const Tensor& t, std::string_view op, std::string_view what) {
  if (!t.defined() || t.dtype() != DType::f32) return;
  for (float v : t.f32_buffer())
    MINNOW_CHECK(std::isfinite(v), "anomaly: op '", op, "' produced ", std::isnan(v) ? "NaN" : "Inf", " in its ",
                 what);
}

}  // namespace minnow
