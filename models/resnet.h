// ResNets (He et al. 2016). ImageNet form as torchvision.models.resnet18/34/50: conv1
// 7x7 stride 2, bn1, relu, a 3x3 stride-2 max-pool, layer1-4, global average pooling, fc;
// names, shapes and init (kaiming_normal fan_out convs, BN 1/0, PyTorch-default fc) match.
// CIFAR form (section 4.2) resnet20/56: conv1 3x3 stride 1 with 16 channels, no max-pool,
// layer1-3 of n BasicBlocks at 16/32/64 channels, option B (projection) shortcuts.
#pragma once

#include <memory>
#include <vector>

#include "models/layers.h"
#include "models/sequential.h"
#include "models/zoo.h"

namespace minnow {

enum class ResNetBlock { basic, bottleneck };

class ResNet : public Module {
 public:
  struct Options {
    ResNetBlock block = ResNetBlock::basic;
    std::vector<int64_t> repeats = {2, 2, 2, 2};        // blocks of layer1, layer2, ...
    std::vector<int64_t> planes = {64, 128, 256, 512};  // planes of each layer; from layer2 on, each opens at stride 2
    bool cifar_stem = false;                            // conv1 3x3 stride 1 to planes[0] channels and no max-pool
    int64_t num_classes = 1000;
    int64_t in_channels = 3;
    float dropout = 0.0f;  // > 0: a Dropout before fc (parameter-free; torchvision names stay)
    // ImageNet stem only: conv1 (still 7x7, padding 3) and the max-pool at stride 1.
    bool small_input = false;
  };
  explicit ResNet(const Options& options);

 protected:
  Var forward_impl(const Var& x) override;  // (N, in_channels, H, W) -> (N, num_classes)

 private:
  std::shared_ptr<Conv2d> conv1_;
  std::shared_ptr<BatchNorm2d> bn1_;                 // ReLU fused
  std::shared_ptr<MaxPool2d> maxpool_;               // null for the CIFAR stem
  std::vector<std::shared_ptr<Sequential>> layers_;  // registered as layer1, layer2, ...
  std::shared_ptr<GlobalAvgPool> avgpool_;
  std::shared_ptr<Dropout> dropout_;
  std::shared_ptr<Linear> fc_;
};

// The zoo's "resnet18", "resnet34", "resnet50", "resnet20" and "resnet56".
std::shared_ptr<Module> make_resnet(const ModelSpec& spec);

}  // namespace minnow
