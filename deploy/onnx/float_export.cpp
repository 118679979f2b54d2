// export_onnx_float: one ONNX node (or a short fixed pattern) per graph node, in execution
// order. A conv whose only reader is a BatchNorm2d takes the BN folded in (w s, beta - s mean);
// quantizer nodes and layers are the identity here.
#include <set>

#include "core/error.h"
#include "deploy/onnx/builder.h"
#include "deploy/onnx_export.h"
#include "deploy/onnx/layers.h"
#include "models/graph.h"
#include "models/layers.h"
#include "train/qat/conv_bn_fold.h"
#include "train/qat/fake_quantize.h"

namespace minnow {

using namespace onnx_export;

namespace {

class FloatExporter {
 public:
  FloatExporter(const InferenceGraph& graph, OnnxBuilder& b) : graph_(graph), b_(b), names_(graph.dims.size()) {
    names_[static_cast<size_t>(graph.input)] = "input";
  }

  void run() {
    for (size_t i = 0; i < graph_.nodes.size(); ++i) {
      const GraphNode& n = graph_.nodes[i];
      if (absorbed_.count(&n)) continue;
      emit(n);
    }
    // The logits get the graph output's name through an Identity when a node named them otherwise.
    b_.node("Identity", "output", {name(graph_.output)}, {"output"});
  }

 private:
  const std::string& name(int v) const { return names_[static_cast<size_t>(v)]; }
  void set(int v, const std::string& n) { names_[static_cast<size_t>(v)] = n; }

  void emit(const GraphNode& n) {
    switch (n.op) {
      case GraphNode::Op::add:
        b_.node("Add", n.name, {name(n.inputs[0]), name(n.inputs[1])}, {n.name});
        set(n.outputs[0], n.name);
        return;
      case GraphNode::Op::mul: return emit_mul(n);
      case GraphNode::Op::concat: {
        std::vector<std::string> in;
        for (int v : n.inputs) in.push_back(name(v));
        b_.node("Concat", n.name, in, {n.name}, {attr_i("axis", n.attr)});
        set(n.outputs[0], n.name);
        return;
      }
      case GraphNode::Op::split: {
        std::vector<int64_t> sizes;
        std::vector<std::string> out;
        for (size_t k = 0; k < n.outputs.size(); ++k) {
          sizes.push_back(graph_.dims[static_cast<size_t>(n.outputs[k])][static_cast<size_t>(n.attr)]);
          out.push_back(n.name + ":" + std::to_string(k));
          set(n.outputs[k], out.back());
        }
        b_.node("Split", n.name, {name(n.inputs[0])}, out, {attr_i("axis", n.attr), attr_ints("split", sizes)});
        return;
      }
      case GraphNode::Op::channel_shuffle:
        set(n.outputs[0], channel_shuffle(b_, n.name, name(n.inputs[0]), graph_.dims[static_cast<size_t>(n.inputs[0])],
                                          n.attr));
        return;
      case GraphNode::Op::layer: emit_layer(n); return;
    }
  }

  // a (N, C, H, W) times b, of a's dims or (N, C, 1, 1) (a squeeze-and-excitation gate). ONNX
  // would broadcast b itself, but OpenCV 4.6 mishandles a Mul of two computed values of
  // different shapes, so b is first repeated to a's size by a nearest-neighbour Resize.
  void emit_mul(const GraphNode& n) {
    const Dims& a = graph_.dims[static_cast<size_t>(n.inputs[0])];
    const Dims& g = graph_.dims[static_cast<size_t>(n.inputs[1])];
    std::string gate = name(n.inputs[1]);
    if (g != a) {
      MINNOW_CHECK(a.size() == 4 && g.size() == 4 && g[0] == a[0] && g[1] == a[1] && g[2] == 1 && g[3] == 1,
                   "export: ", n.name, " multiplies ", dims_str(a), " by ", dims_str(g),
                   "; expected equal dims or a (N, C, 1, 1) gate");
      const std::string scales = b_.f32(n.name + ".scales", {4}, {1.f, 1.f, static_cast<float>(a[2]),
                                                                    static_cast<float>(a[3])});
      b_.node("Resize", n.name + ".repeat", {gate, scales}, {n.name + ".repeated"}, {attr_s("mode", "nearest")});
      gate = n.name + ".repeated";
    }
    b_.node("Mul", n.name, {name(n.inputs[0]), gate}, {n.name});
    set(n.outputs[0], n.name);
  }

  void emit_layer(const GraphNode& n) {
    const std::string& x = name(n.inputs[0]);
    const int y = n.outputs[0];
    if (auto* conv = layer_as<Conv2d>(n)) {
      MINNOW_CHECK(!conv->post_op().defined() && !conv->winograd(), "export onnx: layer ", n.name,
                   " was folded for inference (models/inference_fold.h); expected a model as trained, got a folded "
                   "one");
      const GraphNode* bn_node = conv->bias().defined() ? nullptr : only_reader_as<BatchNorm2d>(graph_, y);
      const BatchNorm2d* bn = bn_node ? layer_as<BatchNorm2d>(*bn_node) : nullptr;
      Tensor w = conv->weight().data(), bias = conv->bias().defined() ? conv->bias().data() : Tensor();
      if (bn) {
        const FoldedConv folded = fold_conv_bn(*conv, *bn);
        w = folded.weight;
        bias = folded.bias;
        absorbed_.insert(bn_node);
      }
      const std::string out = bn ? bn_node->name : n.name;
      std::string result = conv2d(b_, n.name, x, conv->options(), w, bias, out);
      if (bn && bn->options().fuse_relu) result = activation(b_, out + ".relu", result, ActivationKind::relu);
      set(bn ? bn_node->outputs[0] : y, result);
      return;
    }
    if (auto* bn = layer_as<BatchNorm2d>(n)) return set(y, batch_norm(b_, n.name, x, *bn));
    if (auto* act = layer_as<Activation>(n)) return set(y, activation(b_, n.name, x, act->kind()));
    if (auto* pool = layer_as<MaxPool2d>(n)) return set(y, pool2d(b_, "MaxPool", n.name, x, pool->options()));
    if (auto* pool = layer_as<AvgPool2d>(n)) return set(y, pool2d(b_, "AveragePool", n.name, x, pool->options()));
    if (auto* pool = layer_as<GlobalAvgPool>(n)) {
      if (!pool->options().flatten) {
        b_.node("GlobalAveragePool", n.name, {x}, {n.name});
        return set(y, n.name);
      }
      b_.node("GlobalAveragePool", n.name, {x}, {n.name + ".pool"});
      b_.node("Flatten", n.name + ".flatten", {n.name + ".pool"}, {n.name}, {attr_i("axis", 1)});
      return set(y, n.name);
    }
    if (layer_as<Flatten>(n)) {
      b_.node("Flatten", n.name, {x}, {n.name}, {attr_i("axis", 1)});
      return set(y, n.name);
    }
    if (auto* linear = layer_as<Linear>(n)) return set(y, gemm(b_, n.name, x, linear->weight().data(), linear->bias()));
    if (layer_as<ActivationFakeQuant>(n) || layer_as<Dropout>(n)) return set(y, x);  // the identity in float
    MINNOW_FAIL("export: ", n.name, " (", n.module->type(), ") has no ONNX form");
  }

  const InferenceGraph& graph_;
  OnnxBuilder& b_;
  std::vector<std::string> names_;       // each value's tensor name
  std::set<const GraphNode*> absorbed_;  // BNs folded into the conv before them
};

}  // namespace

void export_onnx_float(const std::string& path, Module& model, const OnnxExportOptions& options) {
  const InferenceGraph graph = trace_inference_graph(model, options.input_dims);
  OnnxBuilder b({{"", 10}});
  b.input("input", options.input_dims);
  FloatExporter(graph, b).run();
  b.output("output", graph.dims[static_cast<size_t>(graph.output)]);
  b.metadata(options.metadata);
  write_onnx(path, b.model());
}

}  // namespace minnow
