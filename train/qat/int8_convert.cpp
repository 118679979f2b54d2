// convert_int8: one walk over the inference graph (models/graph.h) in execution order. Each
// graph value that the int8 model stores gets an Int8Model value with its point; layers the
// int8 model computes as part of another step (a BN folded into its conv, the ReLU after a
// join) map their output onto that step's. Where a conv's output has no quantizer and a sum
// reads it, the conv waits for the sum, which it then computes as its post-op. A pooling to
// (N, C, 1, 1) starts a squeeze-and-excitation gate, whose layers up to the product it takes in.
#include <map>
#include <optional>
#include <set>

#include "core/error.h"
#include "core/grad_mode.h"
#include "models/graph.h"
#include "models/layers.h"
#include "train/qat/conv_bn_fold.h"
#include "train/qat/fake_quantize.h"
#include "ops/quant_params.h"
#include "train/qat/int8_graph_nodes.h"
#include "train/qat/int8_model.h"

namespace minnow {

class Int8Converter {
 public:
  Int8Converter(const InferenceGraph& graph, Int8Model& model)
      : g_(graph), m_(model), value_(graph.dims.size(), -1) {}

  void run() {
    m_.points_.push_back({DType::f32, 1.f});
    m_.dims_.push_back(g_.dims[static_cast<size_t>(g_.input)]);
    value_[static_cast<size_t>(g_.input)] = 0;
    for (const GraphNode& n : g_.nodes)
      if (!folded_.count(&n)) convert(n);
    m_.output_ = made(g_.output, "the model's output");
    MINNOW_CHECK(m_.point(m_.output_).type == DType::f32, "convert_int8: the model's output is int8; expected the ",
                 "f32 logits of a classifier or a global pooling");
    MINNOW_CHECK(pending_.empty(), "convert_int8: ", describe(*pending_.begin()->second.conv_node),
                 " has no output quantizer and no sum reads it; prepare the model with prepare_qat");
    m_.plan();
  }

 private:
  // A conv chain whose output a sum reads: built when the sum is reached.
  struct PendingConv {
    const GraphNode* conv_node;
    const GraphNode* bn_node;
  };

  void convert(const GraphNode& n) {
    switch (n.op) {
      case GraphNode::Op::add: return convert_add(n);
      case GraphNode::Op::mul:
        MINNOW_FAIL("convert_int8: ", describe(n), " multiplies two values; the int8 model runs a product only as "
                    "a squeeze-and-excitation gate (global pooling kept 4-D, 1x1 conv, activation, 1x1 conv, "
                    "activation, times the pooled input)");
      case GraphNode::Op::concat: return convert_concat(n);
      case GraphNode::Op::split: {
        MINNOW_CHECK(n.attr == 1, "convert_int8: ", describe(n), " splits along axis ", n.attr,
                     "; expected the channels (1)");
        const int x = made(n.inputs[0], n.name);
        Int8Step step{.kind = Int8Step::Kind::split, .name = n.name, .inputs = {x}};
        for (int out : n.outputs) step.outputs.push_back(define(out, m_.point(x)));
        m_.steps_.push_back(std::move(step));
        return;
      }
      case GraphNode::Op::channel_shuffle: {
        const int x = made(n.inputs[0], n.name);
        m_.steps_.push_back({.kind = Int8Step::Kind::channel_shuffle, .name = n.name, .inputs = {x},
                             .outputs = {define(n.outputs[0], m_.point(x))}, .groups = n.attr});
        return;
      }
      case GraphNode::Op::layer: return convert_layer(n);
    }
  }

  void convert_layer(const GraphNode& n) {
    if (layer_as<Conv2d>(n)) return convert_conv(n);
    if (const auto* q = layer_as<ActivationFakeQuant>(n)) return convert_quantizer(n, point_of(*q));
    if (const auto* a = layer_as<Activation>(n); a && m_.point(made(n.inputs[0], n.name)).type == DType::f32) {
      // In the f32 head (MobileNet-v3's classifier).
      m_.steps_.push_back({.kind = Int8Step::Kind::activation, .name = n.name, .inputs = {made(n.inputs[0], n.name)},
                           .outputs = {define(n.outputs[0], {DType::f32, 1.f})}, .activation = a->kind()});
      return;
    }
    if (is_relu(n)) {
      // After a join whose point is u8 (the saturation is the ReLU) or an add that fused it.
      const int x = made(n.inputs[0], n.name);
      MINNOW_CHECK(m_.point(x).type == DType::u8, "convert_int8: ", describe(n),
                   " follows a signed int8 value; the int8 form runs a ReLU only as a conv's post-op or as the u8 "
                   "point of the sum or concatenation before it");
      value_[static_cast<size_t>(n.outputs[0])] = x;
      if (const auto q = layer_quant(n); q && !same(*q, m_.point(x))) requantize(n, x, *q);
      return;
    }
    if (const auto* pool = layer_as<MaxPool2d>(n)) return convert_pool(n, pool->options(), Int8Pool2dOptions::Kind::max);
    if (const auto* pool = layer_as<AvgPool2d>(n)) return convert_pool(n, pool->options(), Int8Pool2dOptions::Kind::avg);
    if (const auto* pool = layer_as<GlobalAvgPool>(n)) {
      if (!pool->options().flatten) return convert_gate(n);
      const int x = made(n.inputs[0], n.name);
      MINNOW_CHECK(m_.point(x).type != DType::f32, "convert_int8: ", describe(n), " reads an f32 value");
      m_.steps_.push_back({.kind = Int8Step::Kind::global_avg_pool, .name = n.name, .inputs = {x},
                           .outputs = {define(n.outputs[0], {DType::f32, 1.f})}});
      return;
    }
    if (layer_as<Flatten>(n)) {
      const int x = made(n.inputs[0], n.name);
      MINNOW_CHECK(m_.point(x).type == DType::f32, "convert_int8: ", describe(n),
                   " flattens an int8 value; expected it after the global pooling");
      value_[static_cast<size_t>(n.outputs[0])] = x;
      return;
    }
    if (auto* linear = layer_as<Linear>(n)) return convert_linear(n, *linear);
    MINNOW_FAIL("convert_int8: ", describe(n), " has no int8 form");
  }

  // The model's input quantizer, or the one on a block's output (a sum or a concatenation).
  void convert_quantizer(const GraphNode& n, Int8Point p) {
    if (n.inputs[0] == g_.input) {
      m_.steps_.push_back({.kind = Int8Step::Kind::quantize, .name = "input", .inputs = {0},
                           .outputs = {define(n.outputs[0], p)}});
      return;
    }
    const int x = made(n.inputs[0], n.name);
    if (same(m_.point(x), p)) {
      value_[static_cast<size_t>(n.outputs[0])] = x;
      return;
    }
    requantize(n, x, p);
  }

  void requantize(const GraphNode& n, int x, Int8Point p) {
    MINNOW_CHECK(m_.point(x).type != DType::f32, "convert_int8: ", describe(n), " quantizes an f32 value");
    m_.steps_.push_back({.kind = Int8Step::Kind::requantize, .name = n.name, .inputs = {x},
                         .outputs = {define(n.outputs[0], p)}});
  }

  void convert_conv(const GraphNode& n) {
    const GraphNode* bn = has_bias(n) ? nullptr : only_reader_as<BatchNorm2d>(g_, n.outputs[0]);
    const GraphNode* last = bn ? bn : &n;
    const GraphNode* act = only_reader_as<Activation>(g_, last->outputs[0]);
    if (act) last = act;
    if (bn) folded_.insert(bn);
    if (act) folded_.insert(act);

    const auto out = layer_quant(*last);
    if (!out) {
      // No quantizer: a residual branch's end, which its sum requantizes.
      const GraphNode* sum = only_reader(last->outputs[0]);
      const BatchNorm2d* b = bn ? layer_as<BatchNorm2d>(*bn) : nullptr;
      MINNOW_CHECK(sum && sum->op == GraphNode::Op::add, "convert_int8: ", describe(*last),
                   " has no output quantizer and is not summed alone with a shortcut; prepare the model with "
                   "prepare_qat");
      MINNOW_CHECK(!act && !(b && b->options().fuse_relu), "convert_int8: ", describe(*last),
                   " applies an activation before its residual sum; the int8 convs run a sum only before the "
                   "activation");
      pending_[last->outputs[0]] = {&n, bn};
      return;
    }
    Int8PostOp post = Int8PostOp::none;
    if (const BatchNorm2d* b = bn ? layer_as<BatchNorm2d>(*bn) : nullptr; b && b->options().fuse_relu)
      post = Int8PostOp::relu;
    if (const Activation* a = act ? layer_as<Activation>(*act) : nullptr) {
      const auto fused = post_op_of(a->kind());
      MINNOW_CHECK(fused, "convert_int8: ", describe(n), " is followed by ", activation_name(a->kind()),
                   "; the int8 convs fuse relu, relu6, hardswish, swish and hardsigmoid");
      post = *fused;
    }
    const int x = made(n.inputs[0], n.name);
    add_conv(n, bn, x, post, *out, last->outputs[0], -1);
  }

  void add_conv(const GraphNode& n, const GraphNode* bn_node, int x, Int8PostOp post, Int8Point out, int graph_out,
                int residual) {
    const Conv2d* conv_layer = layer_as<Conv2d>(n);
    MINNOW_CHECK(conv_layer, "convert_int8: ", describe(n), " is not a conv");
    const Conv2d& conv = *conv_layer;
    const Conv2d::Options& o = conv.options();
    const Int8Point in = m_.point(x);
    MINNOW_CHECK(in.type != DType::f32, "convert_int8: ", describe(n), " reads an f32 value");
    MINNOW_CHECK(o.dilation == 1, "convert_int8: ", describe(n), " has dilation ", o.dilation, "; expected 1");
    auto* quant = child_named<WeightFakeQuant>(conv, "weight_fake_quant");
    MINNOW_CHECK(quant, "convert_int8: ", describe(n), " has no weight quantizer; prepare the model with prepare_qat");
    // BN folded in (w s, beta - s mean), then the QAT model's own weight quantizer: fq(w s).
    std::vector<float> bias(static_cast<size_t>(o.out), 0.0f);
    Tensor weight = Tensor::from_plain({o.out, o.in / o.groups, o.kernel, o.kernel}, conv.weight().data().to_plain());
    if (const BatchNorm2d* bn = bn_node ? layer_as<BatchNorm2d>(*bn_node) : nullptr) {
      const FoldedConv folded = fold_conv_bn(conv, *bn);
      weight = folded.weight;
      bias = folded.bias.to_plain();
    } else if (conv.bias().defined()) {
      bias = conv.bias().data().to_plain();
    }
    const Tensor quantized = quant->forward(Var(weight)).data();  // (O, I/g, kh, kw), values q * scale
    const std::vector<float> w_scales = output_scales(*quant, o.out);
    const Dims& d = g_.dims[static_cast<size_t>(n.inputs[0])];
    Int8ConvOptions options{.in_channels = o.in, .out_channels = o.out, .kernel = o.kernel, .stride = o.stride,
                            .padding = o.padding >= 0 ? o.padding : (o.kernel - 1) / 2, .groups = o.groups,
                            .batch = d[0], .height = d[2], .width = d[3],
                            .weights = quantize_weights(quantized, w_scales), .w_scales = w_scales, .bias = bias,
                            .in_type = in.type, .in_scale = in.scale, .out_type = out.type,
                            .out_scale = out.scale, .post_op = post, .residual_scale = 1.f, .residual_type = {},
                            .requant = {}};
    Int8Step step{.kind = Int8Step::Kind::conv, .name = n.name, .inputs = {x}};
    if (residual >= 0) {
      options.residual_scale = m_.point(residual).scale;
      options.residual_type = m_.point(residual).type;
      step.inputs.push_back(residual);
    }
    step.conv = std::make_shared<const Int8Conv>(std::move(options));
    step.outputs = {define(graph_out, out)};
    m_.steps_.push_back(std::move(step));
  }

  // A residual sum: the post-op of the conv that ends one branch, else an int8 add.
  void convert_add(const GraphNode& n) {
    bool relu = false;
    const auto out = point_after(n.outputs[0], relu);
    MINNOW_CHECK(out, "convert_int8: ", describe(n), " has no quantizer after it; prepare the model with prepare_qat");
    for (size_t i = 0; i < 2; ++i) {
      const auto it = pending_.find(n.inputs[i]);
      if (it == pending_.end()) continue;
      const PendingConv conv = it->second;
      pending_.erase(it);
      const int residual = made(n.inputs[1 - i], n.name);
      MINNOW_CHECK(m_.point(residual).type != DType::f32, "convert_int8: ", describe(n), " adds an f32 value");
      const int x = made(conv.conv_node->inputs[0], conv.conv_node->name);
      add_conv(*conv.conv_node, conv.bn_node, x, relu ? Int8PostOp::sum_relu : Int8PostOp::sum, *out, n.outputs[0],
               residual);
      return;
    }
    const int a = made(n.inputs[0], n.name), b = made(n.inputs[1], n.name);
    m_.steps_.push_back({.kind = Int8Step::Kind::add, .name = n.name, .inputs = {a, b},
                         .outputs = {define(n.outputs[0], *out)}, .relu = relu});
  }

  void convert_concat(const GraphNode& n) {
    MINNOW_CHECK(n.attr == 1, "convert_int8: ", describe(n), " concatenates along axis ", n.attr,
                 "; expected the channels (1)");
    bool relu = false;
    const auto out = point_after(n.outputs[0], relu);
    MINNOW_CHECK(out, "convert_int8: ", describe(n), " has no quantizer after it; prepare the model with prepare_qat");
    MINNOW_CHECK(!relu || out->type == DType::u8, "convert_int8: ", describe(n),
                 " is followed by a ReLU into a signed point");
    Int8Step step{.kind = Int8Step::Kind::concat, .name = n.name};
    for (int v : n.inputs) step.inputs.push_back(made(v, n.name));
    step.outputs = {define(n.outputs[0], *out)};
    m_.steps_.push_back(std::move(step));
  }

  void convert_pool(const GraphNode& n, const Pool2dOptions& o, Int8Pool2dOptions::Kind kind) {
    const int x = made(n.inputs[0], n.name);
    Int8Point p = m_.point(x);
    MINNOW_CHECK(p.type != DType::f32, "convert_int8: ", describe(n), " reads an f32 value");
    // An average read by a concatenation is computed straight at the concatenation's scale.
    if (const GraphNode* join = only_reader(n.outputs[0]);
        kind == Int8Pool2dOptions::Kind::avg && join && join->op == GraphNode::Op::concat) {
      bool relu = false;
      if (const auto target = point_after(join->outputs[0], relu); target && target->type == p.type) p = *target;
    }
    m_.steps_.push_back({.kind = Int8Step::Kind::pool, .name = n.name, .inputs = {x},
                         .outputs = {define(n.outputs[0], p)},
                         .pool = {.kind = kind, .kernel = o.kernel, .stride = o.stride, .padding = o.padding,
                                  .ceil_mode = o.ceil_mode, .count_include_pad = o.count_include_pad}});
  }

  // A squeeze-and-excitation block from its (N, C, 1, 1) pooling: pool -> fc1 -> act -> fc2 -> act,
  // times the pooled input. One gate step makes the product at the quantizer after it.
  void convert_gate(const GraphNode& pool) {
    const GraphNode* fc1 = only_reader_as<Conv2d>(g_, pool.outputs[0]);
    const GraphNode* act1 = fc1 ? only_reader_as<Activation>(g_, fc1->outputs[0]) : nullptr;
    const GraphNode* fc2 = act1 ? only_reader_as<Conv2d>(g_, act1->outputs[0]) : nullptr;
    const GraphNode* act2 = fc2 ? only_reader_as<Activation>(g_, fc2->outputs[0]) : nullptr;
    const GraphNode* product = act2 ? only_reader(act2->outputs[0]) : nullptr;
    const int pooled = pool.inputs[0];
    MINNOW_CHECK(product && product->op == GraphNode::Op::mul &&
                     (product->inputs == std::vector<int>{pooled, act2->outputs[0]} ||
                      product->inputs == std::vector<int>{act2->outputs[0], pooled}),
                 "convert_int8: ", describe(pool), " pools to (N, C, 1, 1) but does not start a squeeze-and-excitation "
                 "gate (1x1 conv, activation, 1x1 conv, activation, times the pooled input)");
    bool relu = false;
    const auto out = point_after(product->outputs[0], relu);
    MINNOW_CHECK(out && !relu, "convert_int8: ", describe(*product), " has no quantizer right after it; prepare the "
                 "model with prepare_qat");
    const int x = made(pooled, pool.name);
    MINNOW_CHECK(m_.point(x).type != DType::f32, "convert_int8: ", describe(pool), " reads an f32 value");
    auto gate = std::make_shared<Int8SeGate>(Int8SeGate{.fc1 = se_fc(*fc1, *act1), .fc2 = se_fc(*fc2, *act2)});
    for (const GraphNode* folded : {fc1, act1, fc2, act2, product}) folded_.insert(folded);
    m_.steps_.push_back({.kind = Int8Step::Kind::gate, .name = product->name, .inputs = {x},
                         .outputs = {define(product->outputs[0], *out)}, .gate = std::move(gate)});
  }

  void convert_linear(const GraphNode& n, Linear& linear) {
    const int x = made(n.inputs[0], n.name);
    MINNOW_CHECK(m_.point(x).type == DType::f32, "convert_int8: ", describe(n),
                 " reads an int8 value; expected the classifier after the global pooling");
    auto* quant = child_named<WeightFakeQuant>(linear, "weight_fake_quant");
    MINNOW_CHECK(quant, "convert_int8: ", describe(n), " has no weight quantizer; prepare the model with prepare_qat");
    Int8Step step{.kind = Int8Step::Kind::linear, .name = n.name, .inputs = {x},
                  .outputs = {define(n.outputs[0], {DType::f32, 1.f})}};
    step.weight = quant->forward(linear.weight()).data();  // (K, C), the fake-quantized weight
    step.w_scales = output_scales(*quant, linear.options().out);
    if (linear.bias().defined()) step.bias = linear.bias().data();
    m_.steps_.push_back(std::move(step));
  }

  // The point a join's output is stored at: that of the quantizer after it, looking through
  // channel shuffles and ReLUs (relu is set when one is passed).
  std::optional<Int8Point> point_after(int v, bool& relu) const {
    for (;;) {
      const GraphNode* r = only_reader(v);
      if (!r) return std::nullopt;
      if (const auto* q = layer_as<ActivationFakeQuant>(*r)) return point_of(*q);
      if (is_relu(*r)) {
        relu = true;
        if (const auto q = layer_quant(*r)) return q;
      } else if (r->op != GraphNode::Op::channel_shuffle) {
        return std::nullopt;
      }
      v = r->outputs[0];
    }
  }

  const GraphNode* only_reader(int v) const { return g_.only_reader(v); }

  int define(int graph_value, Int8Point p) {
    m_.points_.push_back(p);
    m_.dims_.push_back(g_.dims[static_cast<size_t>(graph_value)]);
    const int id = static_cast<int>(m_.points_.size()) - 1;
    value_[static_cast<size_t>(graph_value)] = id;
    return id;
  }

  int made(int graph_value, const std::string& reader) const {
    const int id = value_[static_cast<size_t>(graph_value)];
    const GraphNode* p = g_.producer(graph_value);
    MINNOW_CHECK(id >= 0, "convert_int8: ", reader, " reads the output of ", p ? describe(*p) : "the input",
                 ", which the int8 model does not make there (a residual branch's end read by more than its sum?)");
    return id;
  }

  const InferenceGraph& g_;
  Int8Model& m_;
  std::vector<int> value_;                  // graph value -> Int8Model value, -1 not made
  std::set<const GraphNode*> folded_;       // BNs and activations computed by their conv
  std::map<int, PendingConv> pending_;      // graph value -> the conv chain that waits for its sum
};

std::unique_ptr<Int8Model> convert_int8(Module& model, const Dims& input_dims) {
  MINNOW_CHECK(input_dims.size() == 4, "convert_int8: expected input dims (N, C, H, W), got ", dims_str(input_dims));
  MINNOW_CHECK(child_named<ActivationFakeQuant>(model, "input_fake_quant"),
               "convert_int8: the model has no input quantizer; prepare it with prepare_qat");
  const NoGrad no_grad;
  const InferenceGraph graph = trace_inference_graph(model, input_dims);
  auto out = std::make_unique<Int8Model>();
  Int8Converter(graph, *out).run();
  return out;
}

}  // namespace minnow
