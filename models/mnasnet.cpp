// MNASNet's body: torchvision's depths [32, 16, 24, 40, 80, 96, 192, 320] scaled by alpha, its
// stacks (kernel, stride, expansion, repeats) and its initialisation.
#include "models/mnasnet.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "models/init.h"
#include "models/module_init.h"

namespace minnow {
namespace {

// torchvision: _BN_MOMENTUM = 1 - 0.9997 (TensorFlow's decay 0.9997 in PyTorch's convention).
constexpr double kBnMomentum = 1.0 - 0.9997;

struct Stack {
  int64_t kernel, stride, expand, repeats;
};
// The stacks to depths[2..7].
constexpr Stack kStacks[] = {{3, 2, 3, 3}, {5, 2, 3, 3}, {5, 2, 6, 3}, {3, 1, 6, 2}, {5, 2, 6, 4}, {3, 1, 6, 1}};
constexpr int64_t kDepths[] = {32, 16, 24, 40, 80, 96, 192, 320};
constexpr int64_t kLastChannels = 1280;

float alpha_from_name(const ModelSpec& spec) {
  if (spec.name == "mnasnet") return spec.width;
  const float alpha = spec.name == "mnasnet0_5" ? 0.5f : 1.0f;
  MINNOW_CHECK(spec.width == 1.0f || spec.width == alpha, spec.name, ": the name fixes alpha at ", alpha,
               "; got a conflicting width ", spec.width, " (use the name mnasnet to pass alpha as width)");
  return alpha;
}

void add_conv_bn(Sequential& layers, const Conv2d::Options& conv, bool relu) {
  layers.add(std::make_shared<Conv2d>(conv));
  layers.add(std::make_shared<BatchNorm2d>(
      BatchNorm2d::Options{.channels = conv.out, .momentum = static_cast<float>(kBnMomentum)}));
  if (relu) layers.add(std::make_shared<Activation>(ActivationKind::relu));
}

}  // namespace

int64_t mnasnet_round_depth(double value) {
  const int64_t divisor = 8;
  const int64_t rounded = std::max(divisor, static_cast<int64_t>(value + divisor / 2.0) / divisor * divisor);
  return static_cast<double>(rounded) >= 0.9 * value ? rounded : rounded + divisor;
}

MnasInvertedResidual::MnasInvertedResidual(const Options& o)
    : ResidualBranch("MnasInvertedResidual", "layers", o.stride == 1 && o.in == o.out) {
  MINNOW_CHECK(o.kernel == 3 || o.kernel == 5, "MnasInvertedResidual: expected kernel 3 or 5, got ", o.kernel);
  const int64_t mid = o.in * o.expand;
  Sequential& layers = branch();
  // The ReLUs are children of their own (not fused into the BN) so that indices match torchvision's.
  const auto bn = [&](int64_t c) {
    layers.add(std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = c, .momentum = o.bn_momentum}));
  };
  layers.add(std::make_shared<Conv2d>(Conv2d::Options{.in = o.in, .out = mid, .kernel = 1, .bias = false}));
  bn(mid);
  layers.add(std::make_shared<Activation>(ActivationKind::relu));
  layers.add(std::make_shared<Conv2d>(
      Conv2d::Options{.in = mid, .out = mid, .kernel = o.kernel, .stride = o.stride, .groups = mid, .bias = false}));
  bn(mid);
  layers.add(std::make_shared<Activation>(ActivationKind::relu));
  layers.add(std::make_shared<Conv2d>(Conv2d::Options{.in = mid, .out = o.out, .kernel = 1, .bias = false}));
  bn(o.out);
}

MnasNet::MnasNet(const ModelSpec& spec) : FeaturesPoolClassifier("MnasNet", "pool", "layers") {
  const double alpha = alpha_from_name(spec);
  int64_t depths[8];
  for (int i = 0; i < 8; ++i) depths[i] = mnasnet_round_depth(static_cast<double>(kDepths[i]) * alpha);
  const auto momentum = static_cast<float>(kBnMomentum);

  Sequential& layers = features();
  add_conv_bn(layers,
              {.in = spec.in_channels, .out = depths[0], .kernel = 3, .stride = spec.small_input ? 1 : 2, .bias = false},
              true);
  add_conv_bn(layers, {.in = depths[0], .out = depths[0], .kernel = 3, .groups = depths[0], .bias = false}, true);
  add_conv_bn(layers, {.in = depths[0], .out = depths[1], .kernel = 1, .bias = false}, false);
  int64_t channels = depths[1];
  for (size_t s = 0; s < std::size(kStacks); ++s) {
    const Stack& stack = kStacks[s];
    const int64_t out = depths[s + 2];
    const int64_t stride = spec.small_input && s == 0 ? 1 : stack.stride;
    auto blocks = layers.add(std::make_shared<Sequential>());
    for (int64_t i = 0; i < stack.repeats; ++i) {
      blocks->add(std::make_shared<MnasInvertedResidual>(MnasInvertedResidual::Options{.in = channels,
                                                                                        .out = out,
                                                                                        .kernel = stack.kernel,
                                                                                        .stride = i == 0 ? stride : 1,
                                                                                        .expand = stack.expand,
                                                                                        .bn_momentum = momentum}));
      channels = out;
    }
  }
  add_conv_bn(layers, {.in = channels, .out = kLastChannels, .kernel = 1, .bias = false}, true);
  classifier().add(std::make_shared<Dropout>(Dropout::Options{.p = spec.dropout.value_or(0.2f), .seed = spec.seed}));
  auto linear = classifier().add(std::make_shared<Linear>(Linear::Options{.in = kLastChannels, .out = spec.num_classes}));

  // torchvision: kaiming_normal (fan_out) convs, BN 1 and 0; the Linear kaiming_uniform(fan_out,
  // sigmoid's gain 1), i.e. U(+-sqrt(3 / num_classes)), with a zero bias.
  init_convs(*this, ConvInit::kaiming_normal_fan_out);
  init_uniform(linear->weight(), static_cast<float>(std::sqrt(3.0 / static_cast<double>(spec.num_classes))));
  init_constant(linear->bias(), 0.0f);
}

std::shared_ptr<Module> make_mnasnet(const ModelSpec& spec) { return std::make_shared<MnasNet>(spec); }

}  // namespace minnow
