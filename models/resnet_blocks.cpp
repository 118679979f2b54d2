// BasicBlock and Bottleneck: construction in torchvision's registration order (so
// named_parameters() lists what state_dict() lists) and the residual forwards. A ReLU that
// follows a BN directly runs fused into it; the one after the addition is the relu child.
#include "models/resnet_blocks.h"

#include "core/error.h"
#include "ops/binary.h"

namespace minnow {
namespace {

std::shared_ptr<Conv2d> conv(int64_t in, int64_t out, int64_t kernel, int64_t stride) {
  return std::make_shared<Conv2d>(
      Conv2d::Options{.in = in, .out = out, .kernel = kernel, .stride = stride, .bias = false});
}

std::shared_ptr<BatchNorm2d> bn(int64_t channels, bool fuse_relu = false) {
  return std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = channels, .fuse_relu = fuse_relu});
}

// Sequential(1x1 conv, BN) when the block changes the shape, else null.
std::shared_ptr<Sequential> projection(const ResidualBlockOptions& o, int64_t out) {
  if (o.stride == 1 && o.in == out) return nullptr;
  auto shortcut = std::make_shared<Sequential>();
  shortcut->add(conv(o.in, out, 1, o.stride));
  shortcut->add(bn(out));
  return shortcut;
}

OutputForm residual_then_relu(const Module* downsample, const Module* relu) {
  return {.kind = OutputForm::Kind::residual_sum, .shortcut = downsample, .then = relu, .non_negative = true};
}

void check(const ResidualBlockOptions& o, const char* block) {
  MINNOW_CHECK(o.in > 0 && o.planes > 0 && o.stride >= 1, block, ": expected positive in, planes and stride, got in ",
               o.in, ", planes ", o.planes, ", stride ", o.stride);
}

}  // namespace

BasicBlock::BasicBlock(const ResidualBlockOptions& options) : Module("BasicBlock") {
  const auto& o = options;
  check(o, "BasicBlock");
  conv1_ = register_module("conv1", conv(o.in, o.planes, 3, o.stride));
  bn1_ = register_module("bn1", bn(o.planes, true));
  conv2_ = register_module("conv2", conv(o.planes, o.planes, 3, 1));
  bn2_ = register_module("bn2", bn(o.planes));
  relu_ = register_module("relu", std::make_shared<Activation>(ActivationKind::relu));
  if (auto shortcut = projection(o, o.planes)) downsample_ = register_module("downsample", shortcut);
}

Var BasicBlock::forward_impl(const Var& x) {
  Var y = bn1_->forward(conv1_->forward(x));
  y = bn2_->forward(conv2_->forward(y));
  return relu_->forward(add(y, downsample_ ? downsample_->forward(x) : x));
}

OutputForm BasicBlock::output_form() const { return residual_then_relu(downsample_.get(), relu_.get()); }

Bottleneck::Bottleneck(const ResidualBlockOptions& options) : Module("Bottleneck") {
  const auto& o = options;
  check(o, "Bottleneck");
  const int64_t out = o.planes * expansion;
  conv1_ = register_module("conv1", conv(o.in, o.planes, 1, 1));
  bn1_ = register_module("bn1", bn(o.planes, true));
  conv2_ = register_module("conv2", conv(o.planes, o.planes, 3, o.stride));
  bn2_ = register_module("bn2", bn(o.planes, true));
  conv3_ = register_module("conv3", conv(o.planes, out, 1, 1));
  bn3_ = register_module("bn3", bn(out));
  relu_ = register_module("relu", std::make_shared<Activation>(ActivationKind::relu));
  if (auto shortcut = projection(o, out)) downsample_ = register_module("downsample", shortcut);
}

Var Bottleneck::forward_impl(const Var& x) {
  Var y = bn1_->forward(conv1_->forward(x));
  y = bn2_->forward(conv2_->forward(y));
  y = bn3_->forward(conv3_->forward(y));
  return relu_->forward(add(y, downsample_ ? downsample_->forward(x) : x));
}

OutputForm Bottleneck::output_form() const { return residual_then_relu(downsample_.get(), relu_.get()); }

}  // namespace minnow
