// MobileNet-v2's body: Table 2 of the paper (expansion t, channels c, repeats n,
// stride s), torchvision's rounding, and torchvision's initialisation.
#include "models/mobilenet_v2.h"

#include <algorithm>

#include "models/module_init.h"
#include "ops/binary.h"

namespace minnow {
namespace {

struct Stage {
  int64_t t, c, n, s;
};

constexpr Stage kStages[] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2},  {6, 64, 4, 2},
                             {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};

}  // namespace

int64_t make_divisible(double value, int64_t divisor) {
  const auto d = static_cast<double>(divisor);
  auto rounded = std::max(divisor, static_cast<int64_t>(value + d / 2) / divisor * divisor);
  if (static_cast<double>(rounded) < 0.9 * value) rounded += divisor;
  return rounded;
}

InvertedResidual::InvertedResidual(const Options& o)
    : Module("InvertedResidual"), residual_(o.stride == 1 && o.in == o.out) {
  const int64_t hidden = o.in * o.expand;
  conv_ = register_module("conv", std::make_shared<Sequential>());
  if (o.expand != 1)
    conv_->add(std::make_shared<ConvBnAct>(
        ConvBnAct::Options{.in = o.in, .out = hidden, .kernel = 1, .act = ActivationKind::relu6}));
  conv_->add(std::make_shared<ConvBnAct>(ConvBnAct::Options{
      .in = hidden, .out = hidden, .kernel = 3, .stride = o.stride, .groups = hidden, .act = ActivationKind::relu6}));
  conv_->add(std::make_shared<Conv2d>(Conv2d::Options{.in = hidden, .out = o.out, .kernel = 1, .bias = false}));
  conv_->add(std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = o.out}));
}

Var InvertedResidual::forward_impl(const Var& x) {
  Var y = conv_->forward(x);
  return residual_ ? add(x, y) : y;
}

OutputForm InvertedResidual::output_form() const {
  return residual_ ? OutputForm{.kind = OutputForm::Kind::residual_sum} : OutputForm{};
}

MobileNetV2::MobileNetV2(const ModelSpec& spec) : Module("MobileNetV2") {
  const double width = spec.width;
  features_ = register_module("features", std::make_shared<Sequential>());
  int64_t channels = make_divisible(32 * width);
  features_->add(std::make_shared<ConvBnAct>(ConvBnAct::Options{.in = spec.in_channels,
                                                                .out = channels,
                                                                .kernel = 3,
                                                                .stride = spec.small_input ? 1 : 2,
                                                                .act = ActivationKind::relu6}));
  for (const auto& stage : kStages) {
    const int64_t out = make_divisible(static_cast<double>(stage.c) * width);
    const int64_t stride = spec.small_input && stage.c == 24 ? 1 : stage.s;
    for (int64_t i = 0; i < stage.n; ++i) {
      features_->add(std::make_shared<InvertedResidual>(
          InvertedResidual::Options{.in = channels, .out = out, .stride = i == 0 ? stride : 1, .expand = stage.t}));
      channels = out;
    }
  }
  const int64_t last = make_divisible(1280 * std::max(1.0, width));
  features_->add(std::make_shared<ConvBnAct>(
      ConvBnAct::Options{.in = channels, .out = last, .kernel = 1, .act = ActivationKind::relu6}));
  pool_ = register_module("pool", std::make_shared<GlobalAvgPool>());
  classifier_ = register_module("classifier", std::make_shared<Sequential>());
  classifier_->add(std::make_shared<Dropout>(Dropout::Options{.p = spec.dropout.value_or(0.2f), .seed = spec.seed}));
  classifier_->add(std::make_shared<Linear>(Linear::Options{.in = last, .out = spec.num_classes}));

  // torchvision: kaiming_normal (fan_out) convs, BN 1 and 0, Linear N(0, 0.01) with zero bias.
  init_convs(*this, ConvInit::kaiming_normal_fan_out);
  init_linears_normal(*this, 0.01f);
}

Var MobileNetV2::forward_impl(const Var& x) { return classifier_->forward(pool_->forward(features_->forward(x))); }

std::shared_ptr<Module> make_mobilenet_v2(const ModelSpec& spec) { return std::make_shared<MobileNetV2>(spec); }

}  // namespace minnow
