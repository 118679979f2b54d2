// MobileNet-v2's body: Table 2 of the paper (expansion t, channels c, repeats n,
// stride s), torchvision's rounding, and torchvision's initialisation.
#include "models/mobilenet_v2.h"

#include <algorithm>

#include "models/module_init.h"

namespace minnow {
namespace {

struct Stage {
  int64_t t, c, n, s;
};

constexpr Stage kStages[] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2},  {6, 64, 4, 2},
                             {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};

}  // namespace

InvertedResidual::InvertedResidual(const Options& o)
    : ResidualBranch("InvertedResidual", "conv", o.stride == 1 && o.in == o.out) {
  const int64_t hidden = o.in * o.expand;
  Sequential& conv = branch();
  if (o.expand != 1)
    conv.add(std::make_shared<ConvBnAct>(
        ConvBnAct::Options{.in = o.in, .out = hidden, .kernel = 1, .act = ActivationKind::relu6}));
  conv.add(std::make_shared<ConvBnAct>(ConvBnAct::Options{
      .in = hidden, .out = hidden, .kernel = 3, .stride = o.stride, .groups = hidden, .act = ActivationKind::relu6}));
  conv.add(std::make_shared<Conv2d>(Conv2d::Options{.in = hidden, .out = o.out, .kernel = 1, .bias = false}));
  conv.add(std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = o.out}));
}

MobileNetV2::MobileNetV2(const ModelSpec& spec) : FeaturesPoolClassifier("MobileNetV2", "pool") {
  const double width = spec.width;
  int64_t channels = make_divisible(32 * width);
  features().add(std::make_shared<ConvBnAct>(ConvBnAct::Options{.in = spec.in_channels,
                                                                .out = channels,
                                                                .kernel = 3,
                                                                .stride = spec.small_input ? 1 : 2,
                                                                .act = ActivationKind::relu6}));
  for (const auto& stage : kStages) {
    const int64_t out = make_divisible(static_cast<double>(stage.c) * width);
    const int64_t stride = spec.small_input && stage.c == 24 ? 1 : stage.s;
    for (int64_t i = 0; i < stage.n; ++i) {
      features().add(std::make_shared<InvertedResidual>(
          InvertedResidual::Options{.in = channels, .out = out, .stride = i == 0 ? stride : 1, .expand = stage.t}));
      channels = out;
    }
  }
  const int64_t last = make_divisible(1280 * std::max(1.0, width));
  features().add(std::make_shared<ConvBnAct>(
      ConvBnAct::Options{.in = channels, .out = last, .kernel = 1, .act = ActivationKind::relu6}));
  classifier().add(std::make_shared<Dropout>(Dropout::Options{.p = spec.dropout.value_or(0.2f), .seed = spec.seed}));
  classifier().add(std::make_shared<Linear>(Linear::Options{.in = last, .out = spec.num_classes}));

  // torchvision: kaiming_normal (fan_out) convs, BN 1 and 0, Linear N(0, 0.01) with zero bias.
  init_convs(*this, ConvInit::kaiming_normal_fan_out);
  init_linears_normal(*this, 0.01f);
}

std::shared_ptr<Module> make_mobilenet_v2(const ModelSpec& spec) { return std::make_shared<MobileNetV2>(spec); }

}  // namespace minnow
