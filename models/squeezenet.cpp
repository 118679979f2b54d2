// SqueezeNet: the two feature stacks written out layer by layer (their indices are
// torchvision's names), the classifier and torchvision's initialisation.
#include "models/squeezenet.h"

#include "core/error.h"
#include "models/fire.h"
#include "models/init.h"
#include "models/module_init.h"

namespace minnow {
namespace {

std::shared_ptr<Fire> fire(int64_t in, int64_t squeeze, int64_t expand) {
  return std::make_shared<Fire>(Fire::Options{.in = in, .squeeze = squeeze, .expand1x1 = expand, .expand3x3 = expand});
}

std::shared_ptr<MaxPool2d> max_pool(int64_t stride) {
  return std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 3, .stride = stride, .ceil_mode = true});
}

}  // namespace

SqueezeNet::SqueezeNet(const Options& options) : Module("SqueezeNet") {
  const auto& o = options;
  const int64_t stride = o.small_input ? 1 : 2;
  const bool v1_0 = o.version == SqueezeNetVersion::v1_0;
  features_ = register_module("features", std::make_shared<Sequential>());
  auto& f = *features_;
  f.add(std::make_shared<Conv2d>(Conv2d::Options{
      .in = o.in_channels, .out = v1_0 ? 96 : 64, .kernel = v1_0 ? 7 : 3, .stride = stride, .padding = 0}));
  f.add(std::make_shared<Activation>(ActivationKind::relu));
  f.add(max_pool(stride));
  if (v1_0) {
    f.add(fire(96, 16, 64));
    f.add(fire(128, 16, 64));
    f.add(fire(128, 32, 128));
    f.add(max_pool(2));
    f.add(fire(256, 32, 128));
    f.add(fire(256, 48, 192));
    f.add(fire(384, 48, 192));
    f.add(fire(384, 64, 256));
    f.add(max_pool(2));
    f.add(fire(512, 64, 256));
  } else {
    f.add(fire(64, 16, 64));
    f.add(fire(128, 16, 64));
    f.add(max_pool(2));
    f.add(fire(128, 32, 128));
    f.add(fire(256, 32, 128));
    f.add(max_pool(2));
    f.add(fire(256, 48, 192));
    f.add(fire(384, 48, 192));
    f.add(fire(384, 64, 256));
    f.add(fire(512, 64, 256));
  }
  classifier_ = register_module("classifier", std::make_shared<Sequential>());
  classifier_->add(std::make_shared<Dropout>(Dropout::Options{.p = o.dropout}));
  auto final_conv =
      classifier_->add(std::make_shared<Conv2d>(Conv2d::Options{.in = 512, .out = o.num_classes, .kernel = 1}));
  classifier_->add(std::make_shared<Activation>(ActivationKind::relu));
  classifier_->add(std::make_shared<GlobalAvgPool>());  // (N, num_classes, H, W) -> (N, num_classes)

  init_convs(*this, ConvInit::kaiming_uniform_fan_in);
  init_normal(final_conv->weight(), 0.01f);
}

Var SqueezeNet::forward_impl(const Var& x) { return classifier_->forward(features_->forward(x)); }

std::shared_ptr<Module> make_squeezenet(const ModelSpec& spec) {
  MINNOW_CHECK(spec.name == "squeezenet1_0" || spec.name == "squeezenet1_1",
               "squeezenet: expected the name squeezenet1_0 or squeezenet1_1, got '", spec.name, "'");
  MINNOW_CHECK(spec.width == 1.0f, spec.name, ": has no width multiplier; expected width 1, got ", spec.width);
  return std::make_shared<SqueezeNet>(
      SqueezeNet::Options{.version = spec.name == "squeezenet1_0" ? SqueezeNetVersion::v1_0 : SqueezeNetVersion::v1_1,
                          .num_classes = spec.num_classes,
                          .in_channels = spec.in_channels,
                          .dropout = spec.dropout.value_or(0.5f),
                          .small_input = spec.small_input});
}

}  // namespace minnow
