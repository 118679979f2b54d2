// EfficientNet-B0's body: the paper's Table 1 (expansion, kernel, stride, channels, layers) as
// torchvision lists it, its linearly growing stochastic depth and its initialisation.
#include "models/efficientnet.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "models/conv_bn_act.h"
#include "models/init.h"
#include "models/mobilenet_v2.h"
#include "models/module_init.h"
#include "models/squeeze_excitation.h"

namespace minnow {
namespace {

struct Stage {
  int64_t expand, kernel, stride, out, layers;
};
constexpr int64_t kStemChannels = 32;
constexpr Stage kStages[] = {{1, 3, 1, 16, 1},  {6, 3, 2, 24, 2},  {6, 5, 2, 40, 2}, {6, 3, 2, 80, 3},
                             {6, 5, 1, 112, 3}, {6, 5, 2, 192, 4}, {6, 3, 1, 320, 1}};

}  // namespace

MBConv::MBConv(const Options& o) : ResidualBranch("MBConv", "block", o.stride == 1 && o.in == o.out) {
  const int64_t expanded = make_divisible(static_cast<double>(o.in * o.expand));
  if (expanded != o.in)
    branch().add(std::make_shared<ConvBnAct>(
        ConvBnAct::Options{.in = o.in, .out = expanded, .kernel = 1, .act = ActivationKind::swish}));
  branch().add(std::make_shared<ConvBnAct>(ConvBnAct::Options{.in = expanded,
                                                              .out = expanded,
                                                              .kernel = o.kernel,
                                                              .stride = o.stride,
                                                              .groups = expanded,
                                                              .act = ActivationKind::swish}));
  branch().add(std::make_shared<SqueezeExcitation>(SqueezeExcitation::Options{
      .channels = expanded, .squeeze = std::max<int64_t>(1, o.in / 4), .activation = ActivationKind::swish}));
  branch().add(
      std::make_shared<ConvBnAct>(ConvBnAct::Options{.in = expanded, .out = o.out, .kernel = 1, .act = std::nullopt}));
  set_before_add("stochastic_depth", std::make_shared<StochasticDepth>(
                                         StochasticDepth::Options{.p = o.stochastic_depth, .seed = o.seed}));
}

EfficientNet::EfficientNet(const ModelSpec& spec) : FeaturesPoolClassifier("EfficientNet", "avgpool") {
  MINNOW_CHECK(spec.width == 1.0f, spec.name, ": B0 has no width multiplier; expected width 1, got ", spec.width);
  const double drop = spec.stochastic_depth.value_or(0.2f);
  MINNOW_CHECK(drop >= 0.0 && drop < 1.0, spec.name, ": expected 0 <= stochastic_depth < 1, got ", drop);
  features().add(std::make_shared<ConvBnAct>(ConvBnAct::Options{.in = spec.in_channels,
                                                                .out = kStemChannels,
                                                                .kernel = 3,
                                                                .stride = spec.small_input ? 1 : 2,
                                                                .act = ActivationKind::swish}));
  int64_t total = 0;
  for (const auto& stage : kStages) total += stage.layers;
  int64_t channels = kStemChannels, block_id = 0;
  for (const auto& stage : kStages) {
    const int64_t stride = spec.small_input && stage.out == 24 ? 1 : stage.stride;
    auto blocks = features().add(std::make_shared<Sequential>());
    for (int64_t i = 0; i < stage.layers; ++i, ++block_id) {
      blocks->add(std::make_shared<MBConv>(MBConv::Options{
          .in = channels,
          .out = stage.out,
          .kernel = stage.kernel,
          .stride = i == 0 ? stride : 1,
          .expand = stage.expand,
          .stochastic_depth = static_cast<float>(drop * static_cast<double>(block_id) / static_cast<double>(total)),
          .seed = spec.seed + 1 + static_cast<uint64_t>(block_id)}));
      channels = stage.out;
    }
  }
  const int64_t last = 4 * channels;
  features().add(std::make_shared<ConvBnAct>(
      ConvBnAct::Options{.in = channels, .out = last, .kernel = 1, .act = ActivationKind::swish}));
  classifier().add(std::make_shared<Dropout>(Dropout::Options{.p = spec.dropout.value_or(0.2f), .seed = spec.seed}));
  auto linear = classifier().add(std::make_shared<Linear>(Linear::Options{.in = last, .out = spec.num_classes}));

  // torchvision: kaiming_normal (fan_out) convs with zero biases (the SE's), BN 1 and 0, the
  // Linear U(+-1 / sqrt(num_classes)) with a zero bias.
  init_convs(*this, ConvInit::kaiming_normal_fan_out);
  init_uniform(linear->weight(), static_cast<float>(1.0 / std::sqrt(static_cast<double>(spec.num_classes))));
  init_constant(linear->bias(), 0.0f);
}

std::shared_ptr<Module> make_efficientnet(const ModelSpec& spec) { return std::make_shared<EfficientNet>(spec); }

}  // namespace minnow
