// ResNet: the stem, the stages of residual blocks, the classifier, the init, and
// the depth table behind the zoo names.
#include "models/resnet.h"

#include <string>

#include "core/error.h"
#include "models/module_init.h"
#include "models/resnet_blocks.h"

namespace minnow {
namespace {

template <class Block>
std::shared_ptr<Sequential> make_stage(int64_t& in, int64_t planes, int64_t repeats, int64_t stride) {
  auto stage = std::make_shared<Sequential>();
  for (int64_t i = 0; i < repeats; ++i) {
    stage->add(
        std::make_shared<Block>(ResidualBlockOptions{.in = in, .planes = planes, .stride = i == 0 ? stride : 1}));
    in = planes * Block::expansion;
  }
  return stage;
}

}  // namespace

ResNet::ResNet(const Options& options) : Module("ResNet") {
  const auto& o = options;
  MINNOW_CHECK(!o.repeats.empty() && o.repeats.size() == o.planes.size(),
               "ResNet: expected one planes entry per stage, got ", o.repeats.size(), " stages and ", o.planes.size(),
               " planes");
  const int64_t stride = o.small_input ? 1 : 2;
  const int64_t stem = o.cifar_stem ? o.planes[0] : 64;
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(Conv2d::Options{.in = o.in_channels,
                                                                             .out = stem,
                                                                             .kernel = o.cifar_stem ? 3 : 7,
                                                                             .stride = o.cifar_stem ? 1 : stride,
                                                                             .bias = false}));
  bn1_ =
      register_module("bn1", std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = stem, .fuse_relu = true}));
  if (!o.cifar_stem)
    maxpool_ = register_module("maxpool",
                               std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 3, .stride = stride, .padding = 1}));
  int64_t channels = stem;
  for (size_t i = 0; i < o.repeats.size(); ++i) {
    const int64_t stage_stride = i == 0 ? 1 : 2;
    auto stage = o.block == ResNetBlock::basic
                     ? make_stage<BasicBlock>(channels, o.planes[i], o.repeats[i], stage_stride)
                     : make_stage<Bottleneck>(channels, o.planes[i], o.repeats[i], stage_stride);
    std::string name = "layer";
    name.append(std::to_string(i + 1));
    layers_.push_back(register_module(name, stage));
  }
  avgpool_ = register_module("avgpool", std::make_shared<GlobalAvgPool>());
  if (o.dropout > 0.0f)
    dropout_ = register_module("dropout", std::make_shared<Dropout>(Dropout::Options{.p = o.dropout}));
  fc_ = register_module("fc", std::make_shared<Linear>(Linear::Options{.in = channels, .out = o.num_classes}));
  init_convs(*this, ConvInit::kaiming_normal_fan_out);
}

Var ResNet::forward_impl(const Var& x) {
  Var y = bn1_->forward(conv1_->forward(x));  // after ReLU
  if (maxpool_) y = maxpool_->forward(y);
  for (const auto& layer : layers_) y = layer->forward(y);
  y = avgpool_->forward(y);  // (N, C)
  if (dropout_) y = dropout_->forward(y);
  return fc_->forward(y);
}

std::shared_ptr<Module> make_resnet(const ModelSpec& spec) {
  MINNOW_CHECK(spec.width == 1.0f, spec.name, ": has no width multiplier; expected width 1, got ", spec.width);
  ResNet::Options o{.num_classes = spec.num_classes,
                    .in_channels = spec.in_channels,
                    .dropout = spec.dropout.value_or(0.0f),
                    .small_input = spec.small_input};
  if (spec.name == "resnet18") {
    o.repeats = {2, 2, 2, 2};
  } else if (spec.name == "resnet34") {
    o.repeats = {3, 4, 6, 3};
  } else if (spec.name == "resnet50") {
    o.block = ResNetBlock::bottleneck;
    o.repeats = {3, 4, 6, 3};
  } else if (spec.name == "resnet20" || spec.name == "resnet56") {
    const int64_t n = spec.name == "resnet20" ? 3 : 9;  // depth 6 n + 2
    o.repeats = {n, n, n};
    o.planes = {16, 32, 64};
    o.cifar_stem = true;
  } else {
    MINNOW_FAIL("resnet: unknown name '", spec.name, "'; expected resnet18, resnet34, resnet50, resnet20 or resnet56");
  }
  return std::make_shared<ResNet>(o);
}

}  // namespace minnow
