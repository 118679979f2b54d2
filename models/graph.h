// InferenceGraph: a model's eval-mode forward as nodes over numbered values, traced once
// (core/trace.h) on an input of given dims. A node is a layer (the Module, with its dotted
// name) or one of the ops that join, split or permute values between layers. Value 0 is the
// input; nodes are in execution order. Dropout and every other layer that returns its input
// unchanged make no node. A layer's output is the value after its hooks, so a QAT quantizer
// on a layer's output is that layer's "activation_post_process" child, while one on a
// block's output or on the model's input is a node of its own. The int8 converter and the ONNX exporters walk this graph, so they
// read what the model computes instead of what its classes are called.
#pragma once

#include <string>
#include <vector>

#include "models/module.h"

namespace minnow {

struct GraphNode {
  enum class Op { layer, add, mul, concat, split, channel_shuffle };
  Op op = Op::layer;
  // layer: the module's dotted name ("features.3.conv.0"); other ops: the block that runs them
  // and the op ("stage2.1.concat"; "concat" at the model's top level).
  std::string name;
  Module* module = nullptr;  // layer: the module; other ops: the block that runs them, or null
  std::vector<int> inputs, outputs;
  int64_t attr = 0;  // concat, split: the axis; channel_shuffle: the groups
};

struct InferenceGraph {
  std::vector<Dims> dims;  // of each value, at the traced batch size
  int input = 0;
  int output = 0;
  std::vector<GraphNode> nodes;

  // The nodes that read value v, in execution order.
  std::vector<const GraphNode*> consumers(int v) const;
  // The node that writes value v, or null for the input.
  const GraphNode* producer(int v) const;
  // The one node that reads v, or null when none or several do.
  const GraphNode* only_reader(int v) const;
};

// Runs model (set to eval mode, recording off) once on zeros of input_dims (N, C, H, W).
InferenceGraph trace_inference_graph(Module& model, const Dims& input_dims);

// node's layer as T, or null when the node is another op or another layer.
template <class T>
T* layer_as(const GraphNode& node) {
  return node.op == GraphNode::Op::layer ? dynamic_cast<T*>(node.module) : nullptr;
}

// The one reader of v when it is a T layer (a conv's BN, a BN's activation), else null.
template <class T>
const GraphNode* only_reader_as(const InferenceGraph& graph, int v) {
  const GraphNode* r = graph.only_reader(v);
  return r && layer_as<T>(*r) ? r : nullptr;
}

}  // namespace minnow
