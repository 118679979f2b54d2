// MobileNet-v1's body: the paper's channel and stride table, scaled by width.
#include "models/mobilenet_v1.h"

#include "models/module_init.h"

namespace minnow {
namespace {

struct Stage {
  int64_t out, stride;
};

// Table 1 of the paper, after the stem: (output channels, depthwise stride).
constexpr Stage kBlocks[] = {{64, 1},  {128, 2}, {128, 1}, {256, 2}, {256, 1}, {512, 2},  {512, 1},
                             {512, 1}, {512, 1}, {512, 1}, {512, 1}, {1024, 2}, {1024, 1}};

int64_t scaled(int64_t channels, float width) {
  return std::max<int64_t>(1, static_cast<int64_t>(static_cast<float>(channels) * width));
}

}  // namespace

DepthwiseSeparable::DepthwiseSeparable(int64_t in, int64_t out, int64_t stride) : Module("DepthwiseSeparable") {
  dw_ = register_module("dw", std::make_shared<ConvBnAct>(
                                  ConvBnAct::Options{.in = in, .out = in, .kernel = 3, .stride = stride, .groups = in}));
  pw_ = register_module("pw", std::make_shared<ConvBnAct>(ConvBnAct::Options{.in = in, .out = out, .kernel = 1}));
}

Var DepthwiseSeparable::forward_impl(const Var& x) { return pw_->forward(dw_->forward(x)); }

MobileNetV1::MobileNetV1(const ModelSpec& spec) : FeaturesPoolClassifier("MobileNetV1", "pool") {
  int64_t channels = scaled(32, spec.width);
  features().add(std::make_shared<ConvBnAct>(ConvBnAct::Options{
      .in = spec.in_channels, .out = channels, .kernel = 3, .stride = spec.small_input ? 1 : 2}));
  for (const auto& block : kBlocks) {
    const int64_t out = scaled(block.out, spec.width);
    features().add(std::make_shared<DepthwiseSeparable>(channels, out, block.stride));
    channels = out;
  }
  classifier().add(std::make_shared<Dropout>(Dropout::Options{.p = spec.dropout.value_or(0.0f), .seed = spec.seed}));
  classifier().add(std::make_shared<Linear>(Linear::Options{.in = channels, .out = spec.num_classes}));

  // Same scheme as torchvision's MobileNet-v2.
  init_convs(*this, ConvInit::kaiming_normal_fan_out);
  init_linears_normal(*this, 0.01f);
}

std::shared_ptr<Module> make_mobilenet_v1(const ModelSpec& spec) { return std::make_shared<MobileNetV1>(spec); }

}  // namespace minnow
