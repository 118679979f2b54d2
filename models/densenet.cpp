// DenseNet-121's layers, blocks, transitions and initialisation (torchvision's densenet.py:
// kaiming_normal_ with its fan_in default for convs, BN 1 and 0, Linear bias 0 with the
// default Linear weight init).
#include "models/densenet.h"

#include <string>

#include "core/error.h"
#include "core/grad_mode.h"
#include "models/init.h"
#include "models/module_init.h"
#include "ops/checkpoint.h"
#include "ops/concat.h"

namespace minnow {
namespace {

constexpr int64_t kGrowth = 32;
constexpr int64_t kBottleneck = 4 * kGrowth;
constexpr int64_t kInitFeatures = 64;
constexpr int64_t kBlockLayers[] = {6, 12, 24, 16};

std::shared_ptr<BatchNorm2d> bn(int64_t channels) {
  return std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = channels});
}

std::shared_ptr<Activation> relu() { return std::make_shared<Activation>(ActivationKind::relu); }

// torchvision's _Transition: norm, relu, 1x1 conv to out channels, 2x2 average pool at stride 2.
std::shared_ptr<Sequential> transition(int64_t in, int64_t out) {
  auto t = std::make_shared<Sequential>();
  t->add("norm", bn(in));
  t->add("relu", relu());
  t->add("conv", std::make_shared<Conv2d>(Conv2d::Options{.in = in, .out = out, .kernel = 1, .bias = false}));
  t->add("pool", std::make_shared<AvgPool2d>(Pool2dOptions{.kernel = 2, .stride = 2}));
  return t;
}

}  // namespace

DenseLayer::DenseLayer(const Options& o) : Module("DenseLayer") {
  norm1_ = register_module("norm1", bn(o.in));
  relu1_ = register_module("relu1", relu());
  conv1_ = register_module(
      "conv1", std::make_shared<Conv2d>(Conv2d::Options{.in = o.in, .out = o.bottleneck, .kernel = 1, .bias = false}));
  norm2_ = register_module("norm2", bn(o.bottleneck));
  relu2_ = register_module("relu2", relu());
  conv2_ = register_module("conv2", std::make_shared<Conv2d>(Conv2d::Options{
                                        .in = o.bottleneck, .out = o.growth, .kernel = 3, .bias = false}));
}

Var DenseLayer::bottleneck(const Var& x) { return conv1_->forward(relu1_->forward(norm1_->forward(x))); }

Var DenseLayer::tail(const Var& b) { return conv2_->forward(relu2_->forward(norm2_->forward(b))); }

Var DenseLayer::forward_impl(const Var& x) { return tail(bottleneck(x)); }

Var DenseLayer::forward_features(const std::vector<Var>& features, bool memory_efficient) {
  if (!memory_efficient || !grad_enabled() || has_hooks() || conv1_->has_weight_transform())
    return forward(concat(features));
  std::vector<Var> params;  // QAT's quantizer children included
  for (const Module* m : {static_cast<const Module*>(norm1_.get()), static_cast<const Module*>(relu1_.get()),
                          static_cast<const Module*>(conv1_.get())})
    for (const auto& p : m->named_parameters()) params.push_back(p.var);
  const auto segment = [norm1 = norm1_, relu1 = relu1_, conv1 = conv1_](const std::vector<Var>& xs) {
    return conv1->forward(relu1->forward(norm1->forward(concat(xs))));
  };
  return tail(checkpoint("dense_bottleneck", features, params, segment));
}

DenseBlock::DenseBlock(const Options& o) : Module("DenseBlock"), memory_efficient_(o.memory_efficient) {
  for (int64_t k = 0; k < o.layers; ++k) {
    const DenseLayer::Options layer{.in = o.in + k * o.growth, .bottleneck = o.bottleneck, .growth = o.growth};
    layers_.push_back(register_module("denselayer" + std::to_string(k + 1), std::make_shared<DenseLayer>(layer)));
  }
}

Var DenseBlock::forward_impl(const Var& x) {
  std::vector<Var> features{x};  // (N, in, H, W), then (N, growth, H, W) per layer
  for (const auto& layer : layers_) features.push_back(layer->forward_features(features, memory_efficient_));
  return concat(features);  // (N, in + L growth, H, W)
}

DenseNet::DenseNet(const ModelSpec& spec) : Module("DenseNet") {
  const int64_t stride = spec.small_input ? 1 : 2;
  features_ = register_module("features", std::make_shared<Sequential>());
  features_->add("conv0",
                 std::make_shared<Conv2d>(Conv2d::Options{
                     .in = spec.in_channels, .out = kInitFeatures, .kernel = 7, .stride = stride, .bias = false}));
  features_->add("norm0", bn(kInitFeatures));
  features_->add("relu0", relu());
  features_->add("pool0", std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 3, .stride = stride, .padding = 1}));
  int64_t channels = kInitFeatures;
  for (size_t b = 0; b < std::size(kBlockLayers); ++b) {
    const std::string index = std::to_string(b + 1);
    features_->add("denseblock" + index,
                   std::make_shared<DenseBlock>(DenseBlock::Options{
                       .in = channels, .layers = kBlockLayers[b], .bottleneck = kBottleneck, .growth = kGrowth}));
    channels += kBlockLayers[b] * kGrowth;
    if (b + 1 == std::size(kBlockLayers)) break;
    features_->add("transition" + index, transition(channels, channels / 2));
    channels /= 2;
  }
  features_->add("norm5", bn(channels));
  relu_ = register_module("relu", relu());  // torchvision's F.relu after features
  pool_ = register_module("pool", std::make_shared<GlobalAvgPool>());
  if (spec.dropout.value_or(0.0f) > 0.0f)
    dropout_ =
        register_module("dropout", std::make_shared<Dropout>(Dropout::Options{.p = *spec.dropout, .seed = spec.seed}));
  classifier_ =
      register_module("classifier", std::make_shared<Linear>(Linear::Options{.in = channels, .out = spec.num_classes}));
  init_convs(*this, ConvInit::kaiming_normal_fan_in);
  init_constant(classifier_->bias(), 0.0f);
}

Var DenseNet::forward_impl(const Var& x) {
  Var y = pool_->forward(relu_->forward(features_->forward(x)));  // (N, 1024)
  if (dropout_) y = dropout_->forward(y);
  return classifier_->forward(y);
}

std::shared_ptr<Module> make_densenet(const ModelSpec& spec) {
  MINNOW_CHECK(spec.width == 1.0f, spec.name, ": has no width multiplier; expected width 1, got ", spec.width);
  return std::make_shared<DenseNet>(spec);
}

}  // namespace minnow
