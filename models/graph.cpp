// trace_inference_graph: the recorder's steps become nodes; each Var a step reads or writes
// gets a value number the first time it is seen.
#include "models/graph.h"

#include <map>
#include <set>

#include "core/error.h"
#include "core/grad_mode.h"
#include "core/trace.h"

namespace minnow {
namespace {

GraphNode::Op op_of(const std::string& op) {
  if (op == "layer") return GraphNode::Op::layer;
  if (op == "add") return GraphNode::Op::add;
  if (op == "mul") return GraphNode::Op::mul;
  if (op == "concat") return GraphNode::Op::concat;
  if (op == "split") return GraphNode::Op::split;
  if (op == "channel_shuffle") return GraphNode::Op::channel_shuffle;
  MINNOW_FAIL("trace_inference_graph: unknown traced op '", op, "'");
}

class Builder {
 public:
  Builder(Module& model, InferenceGraph& graph) : graph_(graph) {
    for (const auto& [name, m] : model.named_modules()) names_[m] = name;
  }

  // where: the reader, for the message when v is unknown; empty: v is defined here.
  int value_of(const Var& v, const std::string& where = "") {
    const auto it = ids_.find(v.impl());
    if (it != ids_.end()) return it->second;
    MINNOW_CHECK(where.empty(), "trace_inference_graph: ", where,
                 " reads a value that neither the input nor a traced step made (an op between layers that does not "
                 "report itself to the trace, such as a functional relu() in a block's forward)");
    const int id = static_cast<int>(graph_.dims.size());
    ids_.emplace(v.impl(), id);
    graph_.dims.push_back(v.dims());
    return id;
  }

  void add(const TracedStep& step) {
    GraphNode node;
    node.op = op_of(step.op);
    const void* owner = node.op == GraphNode::Op::layer ? step.layer : step.block;
    node.module = const_cast<Module*>(static_cast<const Module*>(owner));
    std::string owner_name;
    if (node.module) {
      const auto it = names_.find(node.module);
      MINNOW_CHECK(it != names_.end(), "trace_inference_graph: a ", node.module->type(),
                   " runs in the forward but is not a registered child of the model");
      owner_name = it->second;
    }
    node.name = unique(node.op == GraphNode::Op::layer ? owner_name
                                                       : (owner_name.empty() ? step.op : owner_name + "." + step.op));
    if (!step.attrs.empty()) node.attr = step.attrs[0];
    for (const Var& v : step.inputs) node.inputs.push_back(value_of(v, node.name));
    // A layer that hands back its input (dropout in eval mode) is the identity: no node.
    if (node.op == GraphNode::Op::layer && step.outputs[0].impl() == step.inputs[0].impl()) return;
    for (const Var& v : step.outputs) node.outputs.push_back(value_of(v));
    graph_.nodes.push_back(std::move(node));
  }

 private:
  // name, or name.1, name.2, ... when a node already has it (an op twice in one block, a
  // module run twice); "input" and "output" are the graph's own.
  std::string unique(const std::string& name) {
    std::string out = name;
    for (int k = 1; taken_.count(out); ++k) out = name + "." + std::to_string(k);
    taken_.insert(out);
    return out;
  }

  InferenceGraph& graph_;
  std::map<const VarImpl*, int> ids_;
  std::map<const Module*, std::string> names_;
  std::set<std::string> taken_{"input", "output"};
};

}  // namespace

std::vector<const GraphNode*> InferenceGraph::consumers(int v) const {
  std::vector<const GraphNode*> out;
  for (const auto& n : nodes)
    for (int i : n.inputs)
      if (i == v) {
        out.push_back(&n);
        break;
      }
  return out;
}

const GraphNode* InferenceGraph::only_reader(int v) const {
  const auto readers = consumers(v);
  return readers.size() == 1 ? readers[0] : nullptr;
}

const GraphNode* InferenceGraph::producer(int v) const {
  for (const auto& n : nodes)
    for (int o : n.outputs)
      if (o == v) return &n;
  return nullptr;
}

InferenceGraph trace_inference_graph(Module& model, const Dims& input_dims) {
  MINNOW_CHECK(input_dims.size() == 4, "trace_inference_graph: expected input dims (N, C, H, W), got ",
               dims_str(input_dims));
  const NoGrad no_grad;
  model.eval();
  InferenceGraph graph;
  Builder builder(model, graph);
  const Var x(Tensor::zeros(input_dims));
  graph.input = builder.value_of(x);
  Var y;
  TraceRecorder recorder;
  y = model.forward(x);
  for (const TracedStep& step : recorder.steps()) builder.add(step);
  graph.output = builder.value_of(y, "the model's output");
  return graph;
}

}  // namespace minnow
