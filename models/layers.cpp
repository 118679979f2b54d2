// Leaf layer construction (PyTorch default initialisation) and forward passes,
// each reporting its output shape and Mult-Adds to an active stats recorder.
#include "models/layers.h"

#include <cmath>

#include "core/error.h"
#include "core/grad_mode.h"
#include "models/init.h"
#include "models/layer_stats.h"
#include "ops/batch_norm_relu6.h"
#include "ops/dropout.h"
#include "ops/eltwise.h"
#include "ops/linear.h"
#include "ops/reshape.h"
#include "ops/stochastic_depth.h"

namespace minnow {

namespace {

// A layer folded for inference (models/inference_fold.h) runs in eval mode without gradients only.
void check_folded_use(const Module& layer) {
  MINNOW_CHECK(!layer.training() && !grad_enabled(), layer.type(), ": a layer folded for inference runs only in eval "
               "mode without gradients, got ", layer.training() ? "training mode" : "gradients on");
}

// A batch norm or activation folded into the conv before it hands its input on; the trace
// then makes no node of it.
Var pass_folded(const Module& layer, const Var& x) {
  check_folded_use(layer);
  return x;
}

}  // namespace

Conv2d::Conv2d(const Options& options) : Module("Conv2d"), options_(options) {
  const auto& o = options;
  MINNOW_CHECK(o.in > 0 && o.out > 0 && o.kernel > 0 && o.groups > 0 && o.in % o.groups == 0 &&
                   o.out % o.groups == 0,
               "Conv2d: expected positive in, out, kernel, groups with groups dividing in and out, got in ", o.in,
               ", out ", o.out, ", kernel ", o.kernel, ", groups ", o.groups);
  op_ = {.stride = o.stride,
         .padding = o.padding >= 0 ? o.padding : o.dilation * (o.kernel - 1) / 2,
         .dilation = o.dilation,
         .groups = o.groups};
  const Dims shape{o.out, o.in / o.groups, o.kernel, o.kernel};
  weight_ = register_parameter("weight", Tensor::zeros(shape));
  init_default_weight(weight_, shape);
  if (o.bias) {
    bias_ = register_parameter("bias", Tensor::zeros({o.out}));
    init_uniform(bias_, static_cast<float>(1.0 / std::sqrt(static_cast<double>(fan_in(shape)))));
  }
}

Var Conv2d::inference_weight(const Var& x) {
  const dnnl::memory::desc& x_md = x.data().desc();
  for (const auto& [input, weight] : inference_weights_)
    if (input == x_md) return weight;  // the usual case: one comparison per forward
  const dnnl::memory::desc md = conv2d_inference_weights_desc(x.data(), weight_.dims(), bias_.defined(), op_);
  Var weight = md.data.format_kind == dnnl_format_kind_wino ? Var() : weight_;
  for (const auto& [input, known] : inference_weights_)
    if (!weight.defined() && known.data().desc() == md) weight = known;  // another input shape, same layout
  if (!weight.defined()) {
    // oneDNN transforms into a Winograd layout from the plain one only.
    const Tensor plain = Tensor::from_plain(weight_.dims(), weight_.data().to_plain());
    weight = Var(plain.to_layout(md));
  }
  return inference_weights_.emplace_back(x_md, weight).second;
}

void Conv2d::set_winograd(bool winograd) {
  MINNOW_CHECK(!winograd || !weight_transform_, "Conv2d::set_winograd: expected a plain float layer, got one with a "
                                                "weight transform (QAT)");
  op_.winograd = winograd;
  inference_weights_.clear();
}

Var Conv2d::forward_impl(const Var& x) {
  if (op_.post.defined() || op_.winograd) check_folded_use(*this);  // the Winograd copies would go stale
  Var y = conv2d(x, op_.winograd ? inference_weight(x) : weight_transform_ ? weight_transform_(weight_) : weight_,
                 bias_, op_);
  const Dims d = y.dims();  // (N, out, H', W')
  const bool depthwise = options_.groups == options_.in && options_.groups > 1;
  const std::string op = depthwise ? "dwconv" : options_.groups > 1 ? "gconv" : "conv";
  report_layer(*this, op, d, d[1] * d[2] * d[3] * (options_.in / options_.groups) * options_.kernel * options_.kernel);
  return y;
}

BatchNorm2d::BatchNorm2d(const Options& options) : Module("BatchNorm2d"), options_(options) {
  MINNOW_CHECK(options.channels > 0, "BatchNorm2d: expected channels > 0, got ", options.channels);
  const Dims c{options.channels};
  weight_ = register_parameter("weight", Tensor::full(c, 1.0f));
  bias_ = register_parameter("bias", Tensor::zeros(c));
  running_mean_ = register_buffer("running_mean", Tensor::zeros(c));
  running_var_ = register_buffer("running_var", Tensor::full(c, 1.0f));
  num_batches_tracked_ = register_buffer("num_batches_tracked", Tensor::zeros({1}, DType::s32));
}

void BatchNorm2d::set_momentum(float momentum) {
  MINNOW_CHECK(momentum > 0.0f && momentum <= 1.0f, "BatchNorm2d: expected momentum in (0, 1], got ", momentum);
  options_.momentum = momentum;
}

Var BatchNorm2d::forward_impl(const Var& x) {
  if (folded_) return pass_folded(*this, x);
  // A checkpoint's recomputation in training normalises with the batch statistics again but
  // passes no running buffers, so they are updated once.
  const bool again = training() && recomputing();
  const Tensor none;
  Var y = batch_norm(x, weight_, bias_, again ? none : running_mean_, again ? none : running_var_, training(),
                     {.eps = options_.eps,
                      .momentum = options_.momentum,
                      .fuse_relu = options_.fuse_relu,
                      .replica_sum = replica_sum_});
  if (training() && !again) ++*num_batches_tracked_.data<int32_t>();
  report_layer(*this, options_.fuse_relu ? "bn+relu" : "bn", y.dims(), 0);
  return y;
}

bool BatchNorm2d::can_fuse_relu6() const {
  return training() && !folded_ && !options_.fuse_relu && !replica_sum_ && !has_hooks();
}

Var BatchNorm2d::forward_with_relu6(const Var& x) {
  MINNOW_CHECK(can_fuse_relu6(), "BatchNorm2d: forward_with_relu6 needs training mode, no fold, no fused ReLU, no "
               "synchronised statistics and no hooks");
  const bool again = recomputing();  // as forward_impl: a recomputation leaves the running buffers alone
  const Tensor none;
  Var y = batch_norm_relu6(x, weight_, bias_, again ? none : running_mean_, again ? none : running_var_,
                           {.eps = options_.eps, .momentum = options_.momentum});
  if (!again) ++*num_batches_tracked_.data<int32_t>();
  report_layer(*this, "bn", y.dims(), 0);
  return y;
}

Linear::Linear(const Options& options) : Module("Linear"), options_(options) {
  MINNOW_CHECK(options.in > 0 && options.out > 0, "Linear: expected in > 0 and out > 0, got in ", options.in,
               ", out ", options.out);
  const Dims shape{options.out, options.in};
  weight_ = register_parameter("weight", Tensor::zeros(shape));
  init_default_weight(weight_, shape);
  if (options.bias) {
    bias_ = register_parameter("bias", Tensor::zeros({options.out}));
    init_uniform(bias_, static_cast<float>(1.0 / std::sqrt(static_cast<double>(options.in))));
  }
}

Var Linear::forward_impl(const Var& x) {
  Var y = linear(x, weight_transform_ ? weight_transform_(weight_) : weight_, bias_);
  report_layer(*this, "linear", y.dims(), options_.in * options_.out);
  return y;
}

const char* activation_name(ActivationKind kind) {
  switch (kind) {
    case ActivationKind::relu: return "relu";
    case ActivationKind::relu6: return "relu6";
    case ActivationKind::hardswish: return "hardswish";
    case ActivationKind::hardsigmoid: return "hardsigmoid";
    case ActivationKind::sigmoid: return "sigmoid";
    case ActivationKind::swish: return "swish";
  }
  return "?";
}

std::optional<ConvPostOp> activation_post_op(ActivationKind kind) {
  using dnnl::algorithm;
  switch (kind) {
    case ActivationKind::relu: return ConvPostOp{algorithm::eltwise_relu};
    case ActivationKind::relu6: return ConvPostOp{algorithm::eltwise_clip_v2, 0.0f, 6.0f};
    case ActivationKind::hardswish: return ConvPostOp{algorithm::eltwise_hardswish};
    case ActivationKind::sigmoid: return ConvPostOp{algorithm::eltwise_logistic};
    case ActivationKind::swish: return ConvPostOp{algorithm::eltwise_swish, 1.0f};
    case ActivationKind::hardsigmoid: return std::nullopt;
  }
  return std::nullopt;
}

Activation::Activation(ActivationKind kind) : Module("Activation"), kind_(kind) {}

Var apply_activation(ActivationKind kind, const Var& x) {
  switch (kind) {
    case ActivationKind::relu: return relu(x);
    case ActivationKind::relu6: return relu6(x);
    case ActivationKind::hardswish: return hardswish(x);
    case ActivationKind::hardsigmoid: return hardsigmoid(x);
    case ActivationKind::sigmoid: return sigmoid(x);
    case ActivationKind::swish: return swish(x);
  }
  MINNOW_FAIL("apply_activation: unknown activation kind ", static_cast<int>(kind));
}

Var Activation::forward_impl(const Var& x) {
  if (folded_) return pass_folded(*this, x);
  const Var y = quantized_ ? quantized_(x) : apply_activation(kind_, x);
  report_layer(*this, activation_name(kind_), y.dims(), 0);
  return y;
}

Dropout::Dropout(const Options& options) : MaskLayer("Dropout", options) {
  MINNOW_CHECK(options.p >= 0.0f && options.p < 1.0f, "Dropout: expected 0 <= p < 1, got ", options.p);
}

Var Dropout::forward_impl(const Var& x) { return dropout(x, p_, training(), rng_); }

StochasticDepth::StochasticDepth(const Options& options) : MaskLayer("StochasticDepth", options) {
  MINNOW_CHECK(options.p >= 0.0f && options.p <= 1.0f, "StochasticDepth: expected 0 <= p <= 1, got ", options.p);
}

Var StochasticDepth::forward_impl(const Var& x) { return stochastic_depth(x, p_, training(), rng_); }

Var MaxPool2d::forward_impl(const Var& x) {
  Var y = max_pool2d(x, options_);
  report_layer(*this, "maxpool", y.dims(), 0);
  return y;
}

Var AvgPool2d::forward_impl(const Var& x) {
  Var y = avg_pool2d(x, options_);
  report_layer(*this, "avgpool", y.dims(), 0);
  return y;
}

GlobalAvgPool::GlobalAvgPool() : GlobalAvgPool(Options{}) {}

GlobalAvgPool::GlobalAvgPool(Options options) : Module("GlobalAvgPool"), options_(options) {}

Var GlobalAvgPool::forward_impl(const Var& x) {
  Var y = options_.flatten ? flatten(global_avg_pool(x)) : global_avg_pool(x);
  report_layer(*this, "gap", y.dims(), 0);
  return y;
}

Var Flatten::forward_impl(const Var& x) { return flatten(x); }

}  // namespace minnow
