// convert_int8 walks the QAT model in execution order (layer_chains.h): conv -> BN ->
// activation chains become Int8Convs, GlobalAvgPool and the Linear the f32 head, and every
// other module is built by its output form (convert_module, the one place that maps a form
// to its int8 construction): plain containers by their children, residual sums with the
// identity shortcut as residual steps whose last conv adds the block input (a fused sum).
// Int8Model::forward runs the result.
#include "train/qat/int8_model.h"

#include <optional>

#include "core/error.h"
#include "core/grad_mode.h"
#include "models/layers.h"
#include "ops/int8/classifier.h"
#include "ops/int8/pool.h"
#include "ops/layout.h"
#include "train/qat/conv_bn_fold.h"
#include "train/qat/fake_quantize.h"
#include "train/qat/layer_chains.h"

namespace minnow {
namespace {

struct Point {
  DType type;
  float scale;
};

Point point_of(const ActivationFakeQuant& q) { return {q.options().is_signed ? DType::s8 : DType::u8, q.scale()}; }

template <class T>
T* child_named(Module& m, const std::string& name) {
  for (const auto& [n, child] : m.named_children())
    if (n == name) return dynamic_cast<T*>(child);
  return nullptr;
}

std::string join(const std::string& prefix, const std::string& name) { return prefix.empty() ? name : prefix + "." + name; }

Tensor vector_tensor(const std::vector<float>& v) { return Tensor::from_plain({static_cast<int64_t>(v.size())}, v); }

class Converter {
 public:
  explicit Converter(std::vector<Int8Model::NamedTensor>& tensors) : tensors_(tensors) {}

  Point point{DType::s8, 1.0f};
  Dims dims;  // the current activation, (N, C, H, W)
  bool pooled = false;
  Tensor fc_weight, fc_bias;
  int64_t convs = 0;

  // The one place a module's output form maps to its int8 construction; a form (or a leaf)
  // with none is refused by name.
  void convert_module(const std::string& name, Module& m, std::vector<Int8Model::Step>& steps) {
    const OutputForm form = m.output_form();
    const std::vector<LayerChain> chains = layer_chains(m);
    if (form.kind == OutputForm::Kind::plain && !chains.empty()) return convert_chains(name, chains, steps);
    if (form.kind == OutputForm::Kind::residual_sum && !form.shortcut && !form.then)
      return convert_residual(name, m, chains, steps);
    MINNOW_FAIL("convert_int8: ", name, " (", m.type(),
                ") has no int8 form; int8 conversion covers mobilenet_v1 and mobilenet_v2");
  }

 private:
  // A residual sum with the identity shortcut: the branch's last conv adds the block's input
  // (its sum post-op) and requantizes to the block's output.
  void convert_residual(const std::string& name, Module& m, const std::vector<LayerChain>& branch,
                        std::vector<Int8Model::Step>& steps) {
    const auto* out = child_named<ActivationFakeQuant>(m, "activation_post_process");
    MINNOW_CHECK(out, "convert_int8: ", name, " has no activation quantizer; prepare the model with prepare_qat");
    MINNOW_CHECK(point.type == DType::s8 && out->options().is_signed, "convert_int8: ", name,
                 " adds a residual or makes a sum that is not s8; expected s8 at both");
    residual_ = Residual{.input = point, .output = point_of(*out)};
    Int8Model::Step step;
    convert_chains(name, branch, step.residual_body);
    MINNOW_CHECK(!residual_, "convert_int8: ", name, "'s body does not end in a conv and its BN");
    tensors_.push_back({join(name, "scale"), Tensor::full({1}, point.scale)});
    steps.push_back(std::move(step));
  }

  // A container that runs its children in order (the classifier after the pooling is one).
  static bool runs_children_in_order(Module& m) {
    return m.output_form().kind == OutputForm::Kind::plain && !layer_chains(m).empty();
  }

  void convert_chains(const std::string& name, const std::vector<LayerChain>& chains,
                      std::vector<Int8Model::Step>& steps) {
    for (size_t i = 0; i < chains.size(); ++i) {
      const LayerChain& c = chains[i];
      const std::string full = join(name, c.name);
      MINNOW_CHECK(!pooled || c.kind == LayerChain::Kind::linear || c.kind == LayerChain::Kind::dropout ||
                       (c.kind == LayerChain::Kind::other && runs_children_in_order(*c.first)),
                   "convert_int8: ", full, " (", c.first->type(),
                   ") follows the global pooling; expected the classifier");
      switch (c.kind) {
        case LayerChain::Kind::conv: add_conv(full, c, i + 1 == chains.size(), steps); break;
        case LayerChain::Kind::global_pool: pooled = true; break;
        case LayerChain::Kind::linear: add_classifier(full, *c.linear); break;
        case LayerChain::Kind::dropout: break;  // the identity at inference
        case LayerChain::Kind::other: convert_module(full, *c.first, steps); break;
      }
    }
  }

  // A conv chain; at_end: it ends its container (where a residual branch's last conv is).
  void add_conv(const std::string& name, const LayerChain& chain, bool at_end, std::vector<Int8Model::Step>& steps) {
    Conv2d& conv = *chain.conv;
    const BatchNorm2d* bn = chain.bn;
    const Activation* act = chain.act;
    const auto* out_quant = child_named<ActivationFakeQuant>(chain.last(), "activation_post_process");
    if (!out_quant && residual_ && at_end && !act) {  // the residual body's end
      const Residual r = *residual_;
      residual_.reset();
      steps.push_back({.conv = make_conv(name, conv, bn, Int8PostOp::sum, r.output, r.input.scale),
                       .residual_body = {}, .out_type = r.output.type, .out_scale = r.output.scale});
      point = r.output;
      ++convs;
      return;
    }
    MINNOW_CHECK(out_quant, "convert_int8: ", name, " has no output quantizer; prepare the model with prepare_qat");
    Int8PostOp post = Int8PostOp::none;
    if ((bn && bn->options().fuse_relu) || (act && act->kind() == ActivationKind::relu)) post = Int8PostOp::relu;
    if (act && act->kind() == ActivationKind::relu6) post = Int8PostOp::relu6;
    MINNOW_CHECK(!act || act->kind() == ActivationKind::relu || act->kind() == ActivationKind::relu6, "convert_int8: ",
                 name, " is followed by ", activation_name(act->kind()), "; the int8 convs fuse only relu and relu6");
    const Point out = point_of(*out_quant);
    steps.push_back({.conv = make_conv(name, conv, bn, post, out), .residual_body = {}, .out_type = out.type, .out_scale = out.scale});
    tensors_.push_back({join(name, "output_scale"), Tensor::full({1}, out.scale)});
    point = out;
    ++convs;
  }

  std::unique_ptr<Int8Conv> make_conv(const std::string& name, Conv2d& conv, const BatchNorm2d* bn, Int8PostOp post,
                                      Point out, float residual_scale = 1.0f) {
    const Conv2d::Options& o = conv.options();
    MINNOW_CHECK(o.dilation == 1, "convert_int8: ", name, " has dilation ", o.dilation, "; expected 1");
    auto* quant = child_named<WeightFakeQuant>(conv, "weight_fake_quant");
    MINNOW_CHECK(quant, "convert_int8: ", name, " has no weight quantizer; prepare the model with prepare_qat");
    // BN folded in (w s, beta - s mean), then the QAT model's own weight quantizer: fq(w s).
    std::vector<float> bias(static_cast<size_t>(o.out), 0.0f);
    Tensor weight = Tensor::from_plain({o.out, o.in / o.groups, o.kernel, o.kernel}, conv.weight().data().to_plain());
    if (bn) {
      const FoldedConv folded = fold_conv_bn(conv, *bn);
      weight = folded.weight;
      bias = folded.bias.to_plain();
    } else if (conv.bias().defined()) {
      bias = conv.bias().data().to_plain();
    }
    const Tensor quantized = quant->forward(Var(weight)).data();  // (O, I/g, kh, kw), values q * scale
    std::vector<float> w_scales = quant->scales().to_plain();
    if (w_scales.size() == 1) w_scales.assign(static_cast<size_t>(o.out), w_scales[0]);
    const int64_t pad = o.padding >= 0 ? o.padding : (o.kernel - 1) / 2;
    Int8ConvOptions options{.in_channels = o.in, .out_channels = o.out, .kernel = o.kernel, .stride = o.stride,
                            .padding = pad, .groups = o.groups, .batch = dims[0], .height = dims[2], .width = dims[3],
                            .weights = quantize_weights(quantized, w_scales), .w_scales = w_scales, .bias = bias,
                            .in_type = point.type, .in_scale = point.scale, .out_type = out.type,
                            .out_scale = out.scale, .post_op = post, .residual_scale = residual_scale, .residual_type = {}};
    tensors_.push_back({join(name, "weight"), options.weights});
    tensors_.push_back({join(name, "weight_scale"), vector_tensor(w_scales)});
    tensors_.push_back({join(name, "bias"), vector_tensor(bias)});
    dims = {dims[0], o.out, (dims[2] + 2 * pad - o.kernel) / o.stride + 1, (dims[3] + 2 * pad - o.kernel) / o.stride + 1};
    return std::make_unique<Int8Conv>(std::move(options));
  }

  void add_classifier(const std::string& name, Linear& linear) {
    MINNOW_CHECK(pooled && !fc_weight.defined(), "convert_int8: ", name,
                 " must be the one classifier after the global pooling");
    auto* quant = child_named<WeightFakeQuant>(linear, "weight_fake_quant");
    MINNOW_CHECK(quant, "convert_int8: ", name, " has no weight quantizer; prepare the model with prepare_qat");
    fc_weight = quant->forward(linear.weight()).data();  // (K, C), the fake-quantized weight
    if (linear.bias().defined()) fc_bias = linear.bias().data();
    tensors_.push_back({join(name, "weight"), fc_weight});
    if (fc_bias.defined()) tensors_.push_back({join(name, "bias"), fc_bias});
  }

  struct Residual {
    Point input, output;
  };
  std::optional<Residual> residual_;  // inside the branch of a residual sum
  std::vector<Int8Model::NamedTensor>& tensors_;
};

// residual: the block input that a residual body's last conv adds (its sum post-op).
QTensor run_steps(const std::vector<Int8Model::Step>& steps, QTensor x, const QTensor* residual = nullptr) {
  for (const auto& step : steps) {
    if (step.conv) {
      const bool sums = step.conv->options().post_op == Int8PostOp::sum;
      x = step.conv->forward(x, sums ? residual : nullptr);
    } else {
      x = run_steps(step.residual_body, x, &x);
    }
  }
  return x;
}

}  // namespace

Tensor Int8Model::forward(const Tensor& images) const {
  // The image goes straight into the layout the stem runs on, in one reorder.
  const dnnl::memory::desc md = body_.front().conv ? body_.front().conv->input_desc(images.dims())
                                                   : with_dtype(images.desc(), input_type_);
  const QTensor x = run_steps(body_, quantize(images, input_scale_, md));
  return dequantized_linear(int8_global_avg_pool(x, DType::f32), fc_weight_, fc_bias_);  // (N, K)
}

std::unique_ptr<Int8Model> convert_int8(Module& model, const Dims& input_dims) {
  MINNOW_CHECK(input_dims.size() == 4, "convert_int8: expected input dims (N, C, H, W), got ", dims_str(input_dims));
  NoGrad no_grad;
  model.eval();
  auto out = std::make_unique<Int8Model>();
  const auto* input = child_named<ActivationFakeQuant>(model, "input_fake_quant");
  MINNOW_CHECK(input, "convert_int8: the model has no input quantizer; prepare it with prepare_qat");
  Converter c(out->tensors_);
  c.point = point_of(*input);
  c.dims = input_dims;
  out->input_type_ = c.point.type;
  out->input_scale_ = c.point.scale;
  out->tensors_.push_back({"input_scale", Tensor::full({1}, c.point.scale)});
  c.convert_module("", model, out->body_);
  MINNOW_CHECK(c.fc_weight.defined(), "convert_int8: ", model.type(), " has no classifier after a global pooling");
  out->fc_weight_ = c.fc_weight;
  out->fc_bias_ = c.fc_bias;
  out->num_convs_ = c.convs;
  return out;
}

}  // namespace minnow
