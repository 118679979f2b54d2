// ShuffleNet v1 (Zhang et al. 2017): a 3x3 stride-2 stem conv, a 3x3 stride-2 max-pool,
// three stages of 4/8/4 ShuffleV1Units (each stage opens at stride 2), global average
// pooling and a Linear classifier. torchvision has no ShuffleNet v1, so the names are
// ours: conv1.{0,1}, stage{2,3,4}.<i>.{conv1,bn1,conv2,bn2,conv3,bn3}, fc.
#pragma once

#include <array>
#include <memory>

#include "models/conv_bn_act.h"
#include "models/shufflenet_v1_unit.h"
#include "models/zoo.h"

namespace minnow {

// Channel counts for a group count (1, 2, 3, 4, 8) and scale factor (0.25, 0.5, 1, 1.5, 2):
//   stage outputs: Table 1's stage-2 width (144, 200, 240, 272, 384) times the scale, doubled
//     per stage;
//   bottleneck: a quarter of the stage's output, rounded to the nearest multiple of groups
//     (ties up; only g = 2 and 4 at scales 0.25, 0.5 and 1.5 need it);
//   stem: 24 at 1x and 1.5x, 12 at 0.5x and 0.25x, 48 at 2x (the authors' released models),
//     raised to the nearest width that leaves stage 2's first branch (stage output - stem)
//     divisible by groups (g = 8 at 0.25x and 0.5x: 16).
struct ShuffleNetV1Channels {
  int64_t stem = 0;
  std::array<int64_t, 3> stage{};
  std::array<int64_t, 3> mid{};
};
ShuffleNetV1Channels shufflenet_v1_channels(int64_t groups, float scale);

class ShuffleNetV1 : public Module {
 public:
  struct Options {
    int64_t groups = 3;
    float scale = 1.0f;
    int64_t num_classes = 1000;
    int64_t in_channels = 3;
    float dropout = 0.0f;  // > 0: a Dropout before fc
    // Stem conv and max-pool at stride 1 (so a 32 px input reaches stage 4 at 4x4).
    bool small_input = false;
  };
  explicit ShuffleNetV1(const Options& options);

 protected:
  Var forward_impl(const Var& x) override;  // (N, in_channels, H, W) -> (N, num_classes)

 private:
  std::shared_ptr<ConvBnAct> conv1_;  // conv 3x3 (stride 2), BN + ReLU
  std::shared_ptr<MaxPool2d> maxpool_;
  std::shared_ptr<Sequential> stage2_, stage3_, stage4_;
  std::shared_ptr<GlobalAvgPool> avgpool_;
  std::shared_ptr<Dropout> dropout_;  // only when options.dropout > 0
  std::shared_ptr<Linear> fc_;
};

// The zoo's "shufflenet_v1": spec.groups, spec.width as the scale factor.
std::shared_ptr<Module> make_shufflenet_v1(const ModelSpec& spec);

}  // namespace minnow
