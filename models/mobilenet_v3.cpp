// MobileNet-v3's body: Tables 1 and 2 of the paper as torchvision 0.14 lists them (kernel,
// expanded and output channels, SE, activation, stride), torchvision's rounding and
// torchvision's initialisation.
#include "models/mobilenet_v3.h"

#include <span>

#include "core/error.h"
#include "models/make_divisible.h"
#include "models/module_init.h"
#include "models/squeeze_excitation.h"

namespace minnow {
namespace {

struct Block {
  int64_t kernel, expanded, out;
  bool se, hardswish;
  int64_t stride;
};

constexpr bool RE = false, HS = true;

// Each block's input is the previous block's output; the first one's is 16.
constexpr Block kLarge[] = {
    {3, 16, 16, false, RE, 1},   {3, 64, 24, false, RE, 2},   {3, 72, 24, false, RE, 1},
    {5, 72, 40, true, RE, 2},    {5, 120, 40, true, RE, 1},   {5, 120, 40, true, RE, 1},
    {3, 240, 80, false, HS, 2},  {3, 200, 80, false, HS, 1},  {3, 184, 80, false, HS, 1},
    {3, 184, 80, false, HS, 1},  {3, 480, 112, true, HS, 1},  {3, 672, 112, true, HS, 1},
    {5, 672, 160, true, HS, 2},  {5, 960, 160, true, HS, 1},  {5, 960, 160, true, HS, 1}};
constexpr Block kSmall[] = {
    {3, 16, 16, true, RE, 2},   {3, 72, 24, false, RE, 2},  {3, 88, 24, false, RE, 1},  {5, 96, 40, true, HS, 2},
    {5, 240, 40, true, HS, 1},  {5, 240, 40, true, HS, 1},  {5, 120, 48, true, HS, 1},  {5, 144, 48, true, HS, 1},
    {5, 288, 96, true, HS, 2},  {5, 576, 96, true, HS, 1},  {5, 576, 96, true, HS, 1}};

constexpr float kBnEps = 1e-3f, kBnMomentum = 0.01f;

ActivationKind activation(bool hardswish) { return hardswish ? ActivationKind::hardswish : ActivationKind::relu; }

// A ConvBnAct with MobileNet-v3's BN eps and momentum.
std::shared_ptr<ConvBnAct> conv_bn_act(ConvBnAct::Options options) {
  options.bn_eps = kBnEps;
  options.bn_momentum = kBnMomentum;
  return std::make_shared<ConvBnAct>(options);
}

}  // namespace

InvertedResidualV3::InvertedResidualV3(const Options& o)
    : ResidualBranch("InvertedResidualV3", "block", o.stride == 1 && o.in == o.out) {
  const ActivationKind act = activation(o.hardswish);
  Sequential& block = branch();
  if (o.expanded != o.in) block.add(conv_bn_act({.in = o.in, .out = o.expanded, .kernel = 1, .act = act}));
  block.add(conv_bn_act(
      {.in = o.expanded, .out = o.expanded, .kernel = o.kernel, .stride = o.stride, .groups = o.expanded, .act = act}));
  if (o.se)
    block.add(std::make_shared<SqueezeExcitation>(
        SqueezeExcitation::Options{.channels = o.expanded,
                                   .squeeze = make_divisible(static_cast<double>(o.expanded / 4)),
                                   .scale_activation = ActivationKind::hardsigmoid}));
  block.add(conv_bn_act({.in = o.expanded, .out = o.out, .kernel = 1, .act = std::nullopt}));
}

MobileNetV3::MobileNetV3(const ModelSpec& spec) : FeaturesPoolClassifier("MobileNetV3", "avgpool") {
  const bool large = spec.name == "mobilenet_v3_large";
  MINNOW_CHECK(large || spec.name == "mobilenet_v3_small",
               "mobilenet_v3: expected mobilenet_v3_small or mobilenet_v3_large, got '", spec.name, "'");
  const std::span<const Block> blocks = large ? std::span<const Block>(kLarge) : std::span<const Block>(kSmall);
  const double width = decimal_width(spec.width);
  const auto scaled = [width](int64_t c) { return make_divisible(static_cast<double>(c) * width); };

  int64_t channels = scaled(16);
  features().add(conv_bn_act({.in = spec.in_channels,
                              .out = channels,
                              .kernel = 3,
                              .stride = spec.small_input ? 1 : 2,
                              .act = ActivationKind::hardswish}));
  bool first_stride2 = true;
  for (const Block& b : blocks) {
    int64_t stride = b.stride;
    if (stride == 2 && first_stride2) {
      first_stride2 = false;
      if (spec.small_input) stride = 1;
    }
    const int64_t out = scaled(b.out);
    features().add(std::make_shared<InvertedResidualV3>(InvertedResidualV3::Options{.in = channels,
                                                                                    .kernel = b.kernel,
                                                                                    .expanded = scaled(b.expanded),
                                                                                    .out = out,
                                                                                    .se = b.se,
                                                                                    .hardswish = b.hardswish,
                                                                                    .stride = stride}));
    channels = out;
  }
  const int64_t last_conv = 6 * channels;
  features().add(conv_bn_act({.in = channels, .out = last_conv, .kernel = 1, .act = ActivationKind::hardswish}));
  const int64_t hidden = scaled(large ? 1280 : 1024);
  classifier().add(std::make_shared<Linear>(Linear::Options{.in = last_conv, .out = hidden}));
  classifier().add(std::make_shared<Activation>(ActivationKind::hardswish));
  classifier().add(std::make_shared<Dropout>(Dropout::Options{.p = spec.dropout.value_or(0.2f), .seed = spec.seed}));
  classifier().add(std::make_shared<Linear>(Linear::Options{.in = hidden, .out = spec.num_classes}));

  // torchvision: kaiming_normal (fan_out) convs with zero bias (SE's too), BN 1 and 0,
  // Linear N(0, 0.01) with zero bias.
  init_convs(*this, ConvInit::kaiming_normal_fan_out);
  init_linears_normal(*this, 0.01f);
}

std::shared_ptr<Module> make_mobilenet_v3(const ModelSpec& spec) { return std::make_shared<MobileNetV3>(spec); }

}  // namespace minnow
