// Xception's flows and top level, and its initialisation: every conv kaiming normal (fan_out,
// as torchvision's ReLU networks), BN 1 and 0, fc Keras' Dense default (Glorot uniform, zero bias).
#include "models/xception.h"

#include <cmath>

#include "core/error.h"
#include "models/init.h"
#include "models/module_init.h"

namespace minnow {
namespace {

constexpr int64_t kMiddleBlocks = 8;
constexpr int64_t kMiddleWidth = 728;
constexpr int64_t kLastChannels = 2048;

std::shared_ptr<Conv2d> unpadded_conv(int64_t in, int64_t out, int64_t stride) {
  return std::make_shared<Conv2d>(
      Conv2d::Options{.in = in, .out = out, .kernel = 3, .stride = stride, .padding = 0, .bias = false});
}

std::shared_ptr<BatchNorm2d> bn(int64_t channels) {
  return std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = channels});
}

std::shared_ptr<Activation> relu() { return std::make_shared<Activation>(ActivationKind::relu); }

std::shared_ptr<XceptionBlock> block(const XceptionBlock::Options& options) {
  return std::make_shared<XceptionBlock>(options);
}

}  // namespace

XceptionEntryFlow::XceptionEntryFlow(int64_t in_channels, bool small_input) : Module("XceptionEntryFlow") {
  conv1_ = register_module("conv1", unpadded_conv(in_channels, 32, small_input ? 1 : 2));
  bn1_ = register_module("bn1", bn(32));
  relu1_ = register_module("relu1", relu());
  conv2_ = register_module("conv2", unpadded_conv(32, 64, 1));
  bn2_ = register_module("bn2", bn(64));
  relu2_ = register_module("relu2", relu());
  // block1 takes relu2's output, so it starts with its separable conv.
  block1_ = register_module(
      "block1", block({.in = 64, .widths = {128, 128}, .pool_stride = small_input ? 1 : 2, .relu_first = false}));
  block2_ = register_module("block2", block({.in = 128, .widths = {256, 256}, .pool_stride = 2}));
  block3_ = register_module("block3", block({.in = 256, .widths = {kMiddleWidth, kMiddleWidth}, .pool_stride = 2}));
}

Var XceptionEntryFlow::forward_impl(const Var& x) {
  Var y = relu1_->forward(bn1_->forward(conv1_->forward(x)));
  y = relu2_->forward(bn2_->forward(conv2_->forward(y)));
  return block3_->forward(block2_->forward(block1_->forward(y)));
}

XceptionExitFlow::XceptionExitFlow() : Module("XceptionExitFlow") {
  block_ = register_module("block", block({.in = kMiddleWidth, .widths = {kMiddleWidth, 1024}, .pool_stride = 2}));
  sepconv3_ = register_module("sepconv3", std::make_shared<SeparableConvBn>(1024, 1536));
  relu3_ = register_module("relu3", relu());
  sepconv4_ = register_module("sepconv4", std::make_shared<SeparableConvBn>(1536, kLastChannels));
  relu4_ = register_module("relu4", relu());
}

Var XceptionExitFlow::forward_impl(const Var& x) {
  return relu4_->forward(sepconv4_->forward(relu3_->forward(sepconv3_->forward(block_->forward(x)))));
}

Xception::Xception(const ModelSpec& spec) : Module("Xception") {
  MINNOW_CHECK(spec.width == 1.0f, "xception: has no width multiplier; expected width 1, got ", spec.width);
  entry_flow_ = register_module("entry_flow", std::make_shared<XceptionEntryFlow>(spec.in_channels, spec.small_input));
  middle_flow_ = register_module("middle_flow", std::make_shared<Sequential>());
  for (int64_t i = 0; i < kMiddleBlocks; ++i) {
    middle_flow_->add(block({.in = kMiddleWidth, .widths = {kMiddleWidth, kMiddleWidth, kMiddleWidth}}));
  }
  exit_flow_ = register_module("exit_flow", std::make_shared<XceptionExitFlow>());
  pool_ = register_module("pool", std::make_shared<GlobalAvgPool>());
  const float dropout = spec.dropout.value_or(0.5f);  // the paper's, before the logistic regression
  if (dropout > 0.0f)
    dropout_ = register_module("dropout", std::make_shared<Dropout>(Dropout::Options{.p = dropout, .seed = spec.seed}));
  fc_ = register_module("fc", std::make_shared<Linear>(Linear::Options{.in = kLastChannels, .out = spec.num_classes}));

  init_convs(*this, ConvInit::kaiming_normal_fan_out);
  init_uniform(fc_->weight(),
               static_cast<float>(std::sqrt(6.0 / static_cast<double>(kLastChannels + spec.num_classes))));
  init_constant(fc_->bias(), 0.0f);
}

Var Xception::forward_impl(const Var& x) {
  Var y = pool_->forward(exit_flow_->forward(middle_flow_->forward(entry_flow_->forward(x))));  // (N, 2048)
  if (dropout_) y = dropout_->forward(y);
  return fc_->forward(y);
}

std::shared_ptr<Module> make_xception(const ModelSpec& spec) { return std::make_shared<Xception>(spec); }

}  // namespace minnow
