// fold_for_inference: with s = gamma / sqrt(running_var + eps), bn(conv(x, w, b)) equals
// conv(x, s w, s b + beta - running_mean s) per output channel (Conv2d::fold_scale_shift);
// an activation then runs as the conv's post-op (Conv2d::fuse_post_op). The folded batch
// norm and activation hand their input on, so the conv's output, biased and activated inside
// the primitive, is what their readers see.
#include "models/inference_fold.h"

#include <cmath>
#include <map>
#include <optional>

#include "models/graph.h"
#include "models/layers.h"

namespace minnow {
namespace {

// How many nodes of the graph each module runs as. A module run twice (one activation after
// two different tensors) must not fold into one of them.
std::map<const Module*, int> run_counts(const InferenceGraph& graph) {
  std::map<const Module*, int> runs;
  for (const GraphNode& n : graph.nodes)
    if (n.op == GraphNode::Op::layer) ++runs[n.module];
  return runs;
}

// The batch norm's eval map y = scale x + shift, per channel.
void eval_affine(const BatchNorm2d& bn, std::vector<float>& scale, std::vector<float>& shift) {
  const std::vector<float> gamma = bn.weight().data().to_plain(), beta = bn.bias().data().to_plain();
  const std::vector<float> mean = bn.running_mean().to_plain(), var = bn.running_var().to_plain();
  scale.resize(gamma.size());
  shift.resize(gamma.size());
  for (size_t c = 0; c < gamma.size(); ++c) {
    scale[c] = static_cast<float>(gamma[c] / std::sqrt(static_cast<double>(var[c]) + bn.options().eps));
    shift[c] = beta[c] - mean[c] * scale[c];
  }
}

// Winograd's shape (3x3, stride 1, no groups), on enough work to gain: its input and output
// transforms, and the reorders into and out of its blocked layout, cost per pixel what the
// direct conv spends per multiply-add only on large channel counts. Measured on the 2-core
// AMD EPYC at batch 1 (oneDNN 2.6, jit_fp32_wino_2x3 against brgconv), the primitive alone
// won from 0.4 M multiply-adds per kernel tap up and lost below 0.26 M; inside DenseNet-121
// at 64 px, convs of 1 M per tap (128 -> 32 channels on 16x16) made the model 14% slower,
// ResNet-18 at 224 px (12.8 M per tap) 26% faster. Hence 2 M per image.
bool winograd_pays(const Conv2d& conv, const Dims& out) {
  const Conv2d::Options& o = conv.options();
  const int64_t macs_per_tap = o.in * out[1] * out[2] * out[3];  // per image: the ratio does not change with the batch
  return o.kernel == 3 && o.stride == 1 && o.dilation == 1 && o.groups == 1 && macs_per_tap >= (int64_t{1} << 21);
}

class Folder {
 public:
  explicit Folder(const InferenceGraph& graph) : graph_(graph), runs_(run_counts(graph)) {}

  FoldCounts fold_all(const FoldOptions& options) {
    for (const GraphNode& n : graph_.nodes) {
      if (auto* conv = layer_as<Conv2d>(n)) {
        if (options.winograd && !conv->winograd() && !conv->has_weight_transform() &&
            winograd_pays(*conv, graph_.dims[n.outputs[0]])) {
          conv->set_winograd(true);
          ++counts_.winograd_convs;
        }
        fold_into_conv(n, *conv);
      } else if (auto* bn = layer_as<BatchNorm2d>(n)) {
        fuse_relu_into_batch_norm(n, *bn);  // one that no conv took (nodes run in order)
      }
    }
    return counts_;
  }

 private:
  // conv -> [batch norm] -> [activation] as one conv primitive.
  void fold_into_conv(const GraphNode& n, Conv2d& conv) {
    if (!runs_once(n) || conv.has_weight_transform() || conv.post_op().defined()) return;
    const GraphNode* last = &n;  // the node whose output the conv computes from here on
    std::optional<ConvPostOp> post;
    if (const GraphNode* bn_node = sole_reader<BatchNorm2d>(n)) {
      auto* bn = layer_as<BatchNorm2d>(*bn_node);
      std::vector<float> scale, shift;
      eval_affine(*bn, scale, shift);
      conv.fold_scale_shift(scale, shift);
      bn->set_folded();
      ++counts_.batch_norms;
      last = bn_node;
      if (bn->options().fuse_relu) post = activation_post_op(ActivationKind::relu);
    }
    if (const GraphNode* act_node = post ? nullptr : sole_reader<Activation>(*last)) {
      auto* act = layer_as<Activation>(*act_node);
      post = activation_post_op(act->kind());
      if (post) {
        act->set_folded();
        ++counts_.activations;
      }
    }
    if (post) conv.fuse_post_op(*post);
  }

  // batch norm -> ReLU (DenseNet's pre-activation) as one batch-norm primitive.
  void fuse_relu_into_batch_norm(const GraphNode& n, BatchNorm2d& bn) {
    if (!runs_once(n) || bn.folded() || bn.options().fuse_relu) return;
    const GraphNode* act_node = sole_reader<Activation>(n);
    auto* act = act_node ? layer_as<Activation>(*act_node) : nullptr;
    if (!act || act->kind() != ActivationKind::relu) return;
    bn.set_fuse_relu(true);
    act->set_folded();
    ++counts_.activations;
  }

  bool runs_once(const GraphNode& n) const { return runs_.at(n.module) == 1; }

  // The T layer that alone reads node's output, run once, when that output is not also the
  // model's; else null.
  template <class T>
  const GraphNode* sole_reader(const GraphNode& node) const {
    const int v = node.outputs[0];
    const GraphNode* r = v == graph_.output ? nullptr : only_reader_as<T>(graph_, v);
    return r && runs_once(*r) ? r : nullptr;
  }

  const InferenceGraph& graph_;
  std::map<const Module*, int> runs_;
  FoldCounts counts_;
};

}  // namespace

FoldCounts fold_for_inference(Module& model, const Dims& input_dims, const FoldOptions& options) {
  const InferenceGraph graph = trace_inference_graph(model, input_dims);
  return Folder(graph).fold_all(options);
}

}  // namespace minnow
