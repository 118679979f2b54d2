// convert_int8 walks the QAT model in execution order (the zoo registers layers in that
// order): conv -> BN -> activation chains become Int8Convs, InvertedResidual blocks with
// a residual become residual steps whose last conv adds the block input (a fused sum),
// GlobalAvgPool and the Linear become the f32 head.
// Int8Model::forward runs the result.
#include "train/qat/int8_model.h"

#include <optional>

#include "core/error.h"
#include "core/grad_mode.h"
#include "models/layers.h"
#include "models/mobilenet_v2.h"
#include "ops/int8/classifier.h"
#include "ops/int8/pool.h"
#include "ops/layout.h"
#include "train/qat/conv_bn_fold.h"
#include "train/qat/fake_quantize.h"

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

bool is_quantizer(const std::string& name) {
  return name == "activation_post_process" || name == "weight_fake_quant" || name == "input_fake_quant";
}

// The MobileNets' containers: their forward runs their children in registration order
// (InvertedResidual adds its input at the end, which convert() handles).
bool runs_children_in_order(const Module& m) {
  for (const char* type : {"Sequential", "ConvBnAct", "DepthwiseSeparable", "InvertedResidual", "MobileNetV1",
                           "MobileNetV2"})
    if (m.type() == type) return true;
  return false;
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

  void convert(const std::string& name, Module& m, std::vector<Int8Model::Step>& steps) {
    auto* block = dynamic_cast<InvertedResidual*>(&m);
    if (!block || !block->residual()) return convert_children(name, m, steps);
    const auto* out = child_named<ActivationFakeQuant>(m, "activation_post_process");
    MINNOW_CHECK(out, "convert_int8: ", name, " has no activation quantizer; prepare the model with prepare_qat");
    MINNOW_CHECK(point.type == DType::s8 && out->options().is_signed, "convert_int8: ", name,
                 " adds a residual or makes a sum that is not s8; expected s8 at both");
    // The body's last conv adds the block's input (its sum post-op) and requantizes to the block's output.
    residual_ = Residual{.input = point, .output = point_of(*out)};
    Int8Model::Step step;
    convert_children(name, m, step.residual_body);
    MINNOW_CHECK(!residual_, "convert_int8: ", name, "'s body does not end in a conv and its BN");
    tensors_.push_back({join(name, "scale"), Tensor::full({1}, point.scale)});
    steps.push_back(std::move(step));
  }

 private:
  void convert_children(const std::string& name, Module& m, std::vector<Int8Model::Step>& steps) {
    std::vector<std::pair<std::string, Module*>> children;
    for (const auto& c : m.named_children())
      if (!is_quantizer(c.first)) children.push_back(c);
    for (size_t i = 0; i < children.size(); ++i) {
      const auto& [child_name, child] = children[i];
      const std::string full = join(name, child_name);
      MINNOW_CHECK(!pooled || dynamic_cast<Linear*>(child) || dynamic_cast<Dropout*>(child) ||
                       dynamic_cast<Sequential*>(child),
                   "convert_int8: ", full, " (", child->type(), ") follows the global pooling; expected the classifier");
      if (auto* conv = dynamic_cast<Conv2d*>(child)) {
        i += add_conv(full, *conv, children, i, steps);
      } else if (dynamic_cast<GlobalAvgPool*>(child)) {
        pooled = true;
      } else if (auto* linear = dynamic_cast<Linear*>(child)) {
        add_classifier(full, *linear);
      } else if (dynamic_cast<Dropout*>(child)) {
        continue;  // the identity at inference
      } else {
        MINNOW_CHECK(runs_children_in_order(*child), "convert_int8: ", full, " (", child->type(),
                     ") has no int8 form; int8 conversion covers mobilenet_v1 and mobilenet_v2");
        convert(full, *child, steps);
      }
    }
  }

  // The conv at children[i] with the BN and activation after it; returns how many siblings it used.
  size_t add_conv(const std::string& name, Conv2d& conv, const std::vector<std::pair<std::string, Module*>>& children,
                  size_t i, std::vector<Int8Model::Step>& steps) {
    auto next = [&](size_t k) { return i + k < children.size() ? children[i + k].second : nullptr; };
    auto* bn = dynamic_cast<BatchNorm2d*>(next(1));
    auto* act = dynamic_cast<Activation*>(next(bn ? 2 : 1));
    Module* last = act ? static_cast<Module*>(act) : bn ? static_cast<Module*>(bn) : &conv;
    const auto* out_quant = child_named<ActivationFakeQuant>(*last, "activation_post_process");
    const size_t used = (bn ? 1 : 0) + (act ? 1 : 0);
    if (!out_quant && residual_ && i + used + 1 == children.size() && !act) {  // the residual body's end
      const Residual r = *residual_;
      residual_.reset();
      steps.push_back({.conv = make_conv(name, conv, bn, Int8PostOp::sum, r.output, r.input.scale),
                       .residual_body = {}, .out_type = r.output.type, .out_scale = r.output.scale});
      point = r.output;
      ++convs;
      return used;
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
    return used;
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
                            .out_scale = out.scale, .post_op = post, .residual_scale = residual_scale};
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
  std::optional<Residual> residual_;  // inside an InvertedResidual body with a residual
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
  c.convert("", model, out->body_);
  MINNOW_CHECK(c.fc_weight.defined(), "convert_int8: ", model.type(), " has no classifier after a global pooling");
  out->fc_weight_ = c.fc_weight;
  out->fc_bias_ = c.fc_bias;
  out->num_convs_ = c.convs;
  return out;
}

}  // namespace minnow
