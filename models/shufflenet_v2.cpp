// ShuffleNet v2: torchvision's channel table per size, the constructor and forward.
#include "models/shufflenet_v2.h"

#include <array>

#include "core/error.h"
#include "models/conv_bn_act.h"
#include "models/shufflenet_v2_unit.h"

namespace minnow {
namespace {

// Output channels of conv1, stages 2-4 and conv5 (the paper's Table 5).
std::array<int64_t, 5> stage_widths(float size) {
  if (size == 0.5f) return {24, 48, 96, 192, 1024};
  if (size == 1.0f) return {24, 116, 232, 464, 1024};
  if (size == 1.5f) return {24, 176, 352, 704, 1024};
  if (size == 2.0f) return {24, 244, 488, 976, 2048};
  MINNOW_FAIL("shufflenet_v2: expected size 0.5, 1.0, 1.5 or 2.0, got ", size);
}

std::shared_ptr<Sequential> make_stage(int64_t in, int64_t out, int64_t repeats) {
  auto stage = std::make_shared<Sequential>();
  stage->add(std::make_shared<ShuffleV2Unit>(ShuffleV2Unit::Options{.in = in, .out = out, .stride = 2}));
  for (int64_t i = 1; i < repeats; ++i)
    stage->add(std::make_shared<ShuffleV2Unit>(ShuffleV2Unit::Options{.in = out, .out = out, .stride = 1}));
  return stage;
}

float size_from_name(const ModelSpec& spec) {
  if (spec.name == "shufflenet_v2") return spec.width;
  const std::array<std::pair<const char*, float>, 4> names = {{{"shufflenet_v2_x0_5", 0.5f},
                                                               {"shufflenet_v2_x1_0", 1.0f},
                                                               {"shufflenet_v2_x1_5", 1.5f},
                                                               {"shufflenet_v2_x2_0", 2.0f}}};
  for (const auto& [name, size] : names) {
    if (spec.name != name) continue;
    MINNOW_CHECK(spec.width == 1.0f || spec.width == size, spec.name, ": the name fixes the size at ", size,
                 "; got a conflicting width ", spec.width, " (use the name shufflenet_v2 to pass the size as width)");
    return size;
  }
  MINNOW_FAIL("shufflenet_v2: unknown name '", spec.name, "'");
}

}  // namespace

ShuffleNetV2::ShuffleNetV2(const Options& options) : Module("ShuffleNetV2") {
  const auto& o = options;
  const auto c = stage_widths(o.size);
  const int64_t stride = o.small_input ? 1 : 2;
  conv1_ = register_module("conv1", std::make_shared<ConvBnAct>(ConvBnAct::Options{
                                        .in = o.in_channels, .out = c[0], .kernel = 3, .stride = stride}));
  maxpool_ = register_module("maxpool",
                             std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 3, .stride = stride, .padding = 1}));
  stage2_ = register_module("stage2", make_stage(c[0], c[1], 4));
  stage3_ = register_module("stage3", make_stage(c[1], c[2], 8));
  stage4_ = register_module("stage4", make_stage(c[2], c[3], 4));
  conv5_ =
      register_module("conv5", std::make_shared<ConvBnAct>(ConvBnAct::Options{.in = c[3], .out = c[4], .kernel = 1}));
  avgpool_ = register_module("avgpool", std::make_shared<GlobalAvgPool>());
  if (o.dropout > 0.0f)
    dropout_ = register_module("dropout", std::make_shared<Dropout>(Dropout::Options{.p = o.dropout}));
  fc_ = register_module("fc", std::make_shared<Linear>(Linear::Options{.in = c[4], .out = o.num_classes}));
}

Var ShuffleNetV2::forward_impl(const Var& x) {
  Var y = maxpool_->forward(conv1_->forward(x));
  y = stage4_->forward(stage3_->forward(stage2_->forward(y)));
  y = avgpool_->forward(conv5_->forward(y));  // (N, C)
  if (dropout_) y = dropout_->forward(y);
  return fc_->forward(y);
}

std::shared_ptr<Module> make_shufflenet_v2(const ModelSpec& spec) {
  return std::make_shared<ShuffleNetV2>(ShuffleNetV2::Options{.size = size_from_name(spec),
                                                              .num_classes = spec.num_classes,
                                                              .in_channels = spec.in_channels,
                                                              .dropout = spec.dropout.value_or(0.0f),
                                                              .small_input = spec.small_input});
}

}  // namespace minnow
