// The tape: one explicit list of nodes in forward order; backward walks it in
// reverse. An op records a node only when grad mode is on and some input
// requires a gradient. A node's backward closure owns exactly what forward saved
// and returns the gradient of each input that needs one.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/var.h"

namespace minnow {

// dy[k]: gradient of output k (zeros if nothing used that output).
// need[i]: whether input i wants a gradient. Returns one tensor per input,
// undefined where need[i] is false.
using BackwardFn =
    std::function<std::vector<Tensor>(const std::vector<Tensor>& dy, const std::vector<bool>& need)>;

// One input of a node, as backward reaches it. A leaf is held as its Var: backward fills its
// gradient, and the BackwardListener reports it. An op's output is held as its producer and
// output index only, so the graph keeps no intermediate value alive that no backward saved
// (a ReLU's input after a batch norm, a sum's operands).
struct NodeInput {
  Var leaf;                        // a leaf input; undefined otherwise
  std::shared_ptr<Node> producer;  // the node that made an op output; null otherwise
  size_t output = 0;               // which of the producer's outputs

  bool defined() const { return leaf.defined() || producer != nullptr; }
  bool requires_grad() const { return producer != nullptr || leaf.requires_grad(); }
};

struct Node {
  std::string op;
  std::vector<NodeInput> inputs;  // undefined entries stand for absent optional inputs
  std::vector<dnnl::memory::desc> output_descs;
  std::vector<Tensor> output_grads;  // summed over the outputs' readers; consumed when this node runs
  BackwardFn backward;               // reset once run, unless the graph is retained
};

// True when grad mode is on and some defined input requires a gradient.
bool should_record(const std::vector<Var>& inputs);

// Wraps op outputs into Vars. When should_record(inputs), records a node with
// backward (which must then be non-null). In anomaly mode, checks outputs for NaN/Inf.
Var record_op(std::string_view op, std::vector<Var> inputs, Tensor y, BackwardFn backward);
std::vector<Var> record_op(std::string_view op, std::vector<Var> inputs, std::vector<Tensor> ys,
                           BackwardFn backward);

// Runs backward from root seeded with dy.
void run_backward(const Var& root, const Tensor& dy, bool retain_graph);

// Told what a backward pass on this thread finishes while it runs: data-parallel training
// starts summing the gradients that are final while the rest of backward still runs.
class BackwardListener {
 public:
  virtual ~BackwardListener() = default;
  // leaf's gradient is final: no node left to run takes it as an input. Leaves that no
  // node of the pass takes are not reported.
  virtual void leaf_done(const Var& leaf) = 0;
  // After each node the pass visits (run or passed over): a point to make progress.
  virtual void node_done() {}
};

// Makes listener see every run_backward on this thread while the guard lives.
class ListenToBackward {
 public:
  explicit ListenToBackward(BackwardListener& listener);
  ~ListenToBackward();
  ListenToBackward(const ListenToBackward&) = delete;
  ListenToBackward& operator=(const ListenToBackward&) = delete;

 private:
  BackwardListener* previous_;
};

// A fresh, empty tape for this thread while the guard lives, with no BackwardListener: a
// checkpointed segment (ops/checkpoint.h) records its recomputation on it and backpropagates
// through it inside an outer backward pass. The outer tape and listener come back after.
class PrivateTape {
 public:
  PrivateTape();
  ~PrivateTape();
  PrivateTape(const PrivateTape&) = delete;
  PrivateTape& operator=(const PrivateTape&) = delete;

 private:
  std::vector<std::weak_ptr<Node>> outer_nodes_;
  size_t outer_live_after_prune_;
  BackwardListener* outer_listener_;
};

// Adds g into v's gradient. A dims mismatch is an error naming op.
void accumulate_grad(const Var& v, const Tensor& g, std::string_view op);

// Live nodes on this thread's tape (tests; and a trainer sanity check).
size_t tape_size();
// Drops every node on this thread's tape (graphs built but never backpropagated).
void clear_tape();

// Throws naming op and what if t holds NaN or Inf (used by anomaly mode).
void check_finite(const Tensor& t, std::string_view op, std::string_view what);

}  // namespace minnow
