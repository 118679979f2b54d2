// ShuffleNet v2 (Ma et al. 2018) as torchvision.models.shufflenet_v2_x{0_5,1_0,1_5,2_0}:
// conv1 (3x3 stride 2, BN, ReLU), a 3x3 stride-2 max-pool, stages 2-4 of 4/8/4
// ShuffleV2Units (each opening at stride 2), conv5 (1x1, BN, ReLU), global average
// pooling and fc. Names, shapes and initialisation (PyTorch's defaults) match torchvision.
#pragma once

#include <memory>

#include "models/conv_bn_act.h"
#include "models/zoo.h"

namespace minnow {

class ShuffleNetV2 : public Module {
 public:
  struct Options {
    float size = 1.0f;  // 0.5, 1.0, 1.5 or 2.0
    int64_t num_classes = 1000;
    int64_t in_channels = 3;
    float dropout = 0.0f;  // > 0: a Dropout before fc (parameter-free; torchvision names stay)
    // conv1 and the max-pool at stride 1 (so a 32 px input reaches stage 4 at 4x4).
    bool small_input = false;
  };
  explicit ShuffleNetV2(const Options& options);

 protected:
  Var forward_impl(const Var& x) override;  // (N, in_channels, H, W) -> (N, num_classes)

 private:
  std::shared_ptr<ConvBnAct> conv1_;  // 3x3 (stride 2), BN + ReLU
  std::shared_ptr<MaxPool2d> maxpool_;
  std::shared_ptr<Sequential> stage2_, stage3_, stage4_;
  std::shared_ptr<ConvBnAct> conv5_;  // 1x1, BN + ReLU
  std::shared_ptr<GlobalAvgPool> avgpool_;
  std::shared_ptr<Dropout> dropout_;
  std::shared_ptr<Linear> fc_;
};

// The zoo's "shufflenet_v2_x0_5" ... "shufflenet_v2_x2_0" (size from the name) and
// "shufflenet_v2" (size from spec.width).
std::shared_ptr<Module> make_shufflenet_v2(const ModelSpec& spec);

}  // namespace minnow
