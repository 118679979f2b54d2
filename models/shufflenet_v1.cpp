// ShuffleNet v1: the channel table, the constructor (stem, three stages, classifier)
// and initialisation. No reference implementation fixes the init, so it follows
// torchvision's MobileNet scheme: convs kaiming_normal(fan_out), BN 1/0, fc N(0, 0.01), bias 0.
#include "models/shufflenet_v1.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "models/conv_bn_act.h"
#include "models/module_init.h"

namespace minnow {
namespace {

// Table 1's stage-2 output channels at 1x.
int64_t stage2_width(int64_t groups) {
  switch (groups) {
    case 1: return 144;
    case 2: return 200;
    case 3: return 240;
    case 4: return 272;
    case 8: return 384;
    default: MINNOW_FAIL("shufflenet_v1: expected groups 1, 2, 3, 4 or 8, got ", groups);
  }
}

int64_t stem_width(float scale) {
  if (scale == 0.25f || scale == 0.5f) return 12;
  if (scale == 1.0f || scale == 1.5f) return 24;
  if (scale == 2.0f) return 48;
  MINNOW_FAIL("shufflenet_v1: expected scale 0.25, 0.5, 1, 1.5 or 2, got ", scale);
}

// out / 4 rounded to the nearest multiple of groups, ties up: floor(out / (4 g) + 1/2) g.
int64_t bottleneck_width(int64_t out, int64_t groups) {
  return std::max<int64_t>(1, (2 * out + 4 * groups) / (8 * groups)) * groups;
}

std::shared_ptr<Sequential> make_stage(int64_t in, int64_t out, int64_t mid, int64_t repeats, int64_t groups,
                                       bool first_stage) {
  auto stage = std::make_shared<Sequential>();
  for (int64_t i = 0; i < repeats; ++i) {
    stage->add(std::make_shared<ShuffleV1Unit>(ShuffleV1Unit::Options{.in = i == 0 ? in : out,
                                                                      .out = out,
                                                                      .mid = mid,
                                                                      .groups = groups,
                                                                      .stride = i == 0 ? 2 : 1,
                                                                      .group_first_conv = !(first_stage && i == 0)}));
  }
  return stage;
}

}  // namespace

ShuffleNetV1Channels shufflenet_v1_channels(int64_t groups, float scale) {
  const int64_t base = stage2_width(groups);
  ShuffleNetV1Channels c;
  c.stem = stem_width(scale);
  const double scaled = static_cast<double>(base) * static_cast<double>(scale);
  for (size_t i = 0; i < 3; ++i) {
    c.stage[i] = static_cast<int64_t>(std::lround(scaled)) << i;
    c.mid[i] = bottleneck_width(c.stage[i], groups);
  }
  while ((c.stage[0] - c.stem) % groups != 0) ++c.stem;
  return c;
}

ShuffleNetV1::ShuffleNetV1(const Options& options) : Module("ShuffleNetV1") {
  const auto& o = options;
  const ShuffleNetV1Channels c = shufflenet_v1_channels(o.groups, o.scale);
  const int64_t stride = o.small_input ? 1 : 2;
  conv1_ = register_module("conv1", std::make_shared<ConvBnAct>(ConvBnAct::Options{
                                        .in = o.in_channels, .out = c.stem, .kernel = 3, .stride = stride}));
  maxpool_ = register_module("maxpool",
                             std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 3, .stride = stride, .padding = 1}));
  stage2_ = register_module("stage2", make_stage(c.stem, c.stage[0], c.mid[0], 4, o.groups, true));
  stage3_ = register_module("stage3", make_stage(c.stage[0], c.stage[1], c.mid[1], 8, o.groups, false));
  stage4_ = register_module("stage4", make_stage(c.stage[1], c.stage[2], c.mid[2], 4, o.groups, false));
  avgpool_ = register_module("avgpool", std::make_shared<GlobalAvgPool>());
  if (o.dropout > 0.0f)
    dropout_ = register_module("dropout", std::make_shared<Dropout>(Dropout::Options{.p = o.dropout}));
  fc_ = register_module("fc", std::make_shared<Linear>(Linear::Options{.in = c.stage[2], .out = o.num_classes}));
  init_convs(*this, ConvInit::kaiming_normal_fan_out);
  init_linears_normal(*this, 0.01f);
}

Var ShuffleNetV1::forward_impl(const Var& x) {
  Var y = maxpool_->forward(conv1_->forward(x));
  y = stage4_->forward(stage3_->forward(stage2_->forward(y)));
  y = avgpool_->forward(y);  // (N, C)
  if (dropout_) y = dropout_->forward(y);
  return fc_->forward(y);
}

std::shared_ptr<Module> make_shufflenet_v1(const ModelSpec& spec) {
  return std::make_shared<ShuffleNetV1>(ShuffleNetV1::Options{.groups = spec.groups,
                                                              .scale = spec.width,
                                                              .num_classes = spec.num_classes,
                                                              .in_channels = spec.in_channels,
                                                              .dropout = spec.dropout.value_or(0.0f),
                                                              .small_input = spec.small_input});
}

}  // namespace minnow
