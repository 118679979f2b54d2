// SeparableConvBn and XceptionBlock: construction in forward order (so named_parameters() lists
// what the PyTorch reference's state_dict() lists) and the residual forward. The ReLUs are
// children of their own, not fused into a BN: most act on a block's input, which the identity
// shortcut needs unchanged.
#include "models/xception_blocks.h"

#include <string>

#include "core/error.h"
#include "ops/binary.h"

namespace minnow {
namespace {

// The projection shortcut: children conv (1x1 at the block's stride) and bn.
class ProjectionShortcut : public Module {
 public:
  ProjectionShortcut(int64_t in, int64_t out, int64_t stride) : Module("ProjectionShortcut") {
    conv_ = register_module("conv", std::make_shared<Conv2d>(Conv2d::Options{
                                        .in = in, .out = out, .kernel = 1, .stride = stride, .bias = false}));
    bn_ = register_module("bn", std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = out}));
  }

 protected:
  Var forward_impl(const Var& x) override { return bn_->forward(conv_->forward(x)); }

 private:
  std::shared_ptr<Conv2d> conv_;
  std::shared_ptr<BatchNorm2d> bn_;
};

}  // namespace

SeparableConvBn::SeparableConvBn(int64_t in, int64_t out) : Module("SeparableConvBn") {
  MINNOW_CHECK(in > 0 && out > 0, "SeparableConvBn: expected positive in and out channels, got in ", in, ", out ", out);
  depthwise_ = register_module("depthwise", std::make_shared<Conv2d>(Conv2d::Options{
                                                .in = in, .out = in, .kernel = 3, .groups = in, .bias = false}));
  pointwise_ = register_module(
      "pointwise", std::make_shared<Conv2d>(Conv2d::Options{.in = in, .out = out, .kernel = 1, .bias = false}));
  bn_ = register_module("bn", std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = out}));
}

Var SeparableConvBn::forward_impl(const Var& x) { return bn_->forward(pointwise_->forward(depthwise_->forward(x))); }

XceptionBlock::XceptionBlock(const Options& o) : Module("XceptionBlock") {
  MINNOW_CHECK(!o.widths.empty(), "XceptionBlock: expected at least one separable conv width, got none");
  MINNOW_CHECK(o.pool_stride >= 0, "XceptionBlock: expected pool_stride >= 0, got ", o.pool_stride);
  MINNOW_CHECK(o.pool_stride > 0 || o.in == o.widths.back(),
               "XceptionBlock: an identity shortcut needs in == ", o.widths.back(), " (the last width), got in ", o.in);
  int64_t channels = o.in;
  for (size_t i = 0; i < o.widths.size(); ++i) {
    const std::string index = std::to_string(i + 1);
    if (i > 0 || o.relu_first)
      branch_.push_back(register_module("relu" + index, std::make_shared<Activation>(ActivationKind::relu)));
    branch_.push_back(register_module("sepconv" + index, std::make_shared<SeparableConvBn>(channels, o.widths[i])));
    channels = o.widths[i];
  }
  if (o.pool_stride > 0) {
    branch_.push_back(register_module(
        "pool", std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 3, .stride = o.pool_stride, .padding = 1})));
    shortcut_ = register_module("shortcut", std::make_shared<ProjectionShortcut>(o.in, channels, o.pool_stride));
  }
}

Var XceptionBlock::forward_impl(const Var& x) {
  Var y = x;
  for (const auto& layer : branch_) y = layer->forward(y);
  return add(y, shortcut_ ? shortcut_->forward(x) : x);
}

OutputForm XceptionBlock::output_form() const {
  return {.kind = OutputForm::Kind::residual_sum, .shortcut = shortcut_.get()};
}

}  // namespace minnow
