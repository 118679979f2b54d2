// DenseNet-121 (Huang et al. 2017, DenseNet-BC) as torchvision 0.14's densenet121: growth rate
// 32, bottleneck width 4 x 32, blocks of 6, 12, 24 and 16 layers, transitions halving the
// channels. Names equal torchvision's state_dict: features.conv0/norm0, features.denseblock{b}.
// denselayer{k}.norm1/conv1/norm2/conv2, features.transition{t}.norm/conv, features.norm5, classifier.
// small_input: conv0 keeps its 7x7 kernel (padding 3) but runs at stride 1, and pool0 (3x3 max,
// padding 1) at stride 1, so a 32 px input reaches the last block at 4x4 instead of 1x1.
#pragma once

#include <memory>
#include <vector>

#include "models/layers.h"
#include "models/sequential.h"
#include "models/zoo.h"

namespace minnow {

// torchvision's _DenseLayer: norm1, relu1, 1x1 conv1 to bottleneck channels, norm2, relu2,
// 3x3 conv2 to growth channels (the ReLUs are modules, as torchvision's, so parity tests can
// follow their kinks by name).
class DenseLayer : public Module {
 public:
  struct Options {
    int64_t in = 0, bottleneck = 128, growth = 32;
  };
  explicit DenseLayer(const Options& options);
  // features: the block input and the earlier layers' outputs, (N, C_i, H, W) with sum C_i = in.
  // Memory-efficient and recording: concat, norm1, relu1 and conv1 run as one checkpoint
  // (ops/checkpoint.h), so neither the concatenation nor norm1's and relu1's outputs outlive
  // this call; backward computes them again. Else, and where the layer has hooks (they see the
  // concatenation) or QAT transforms conv1's weight (the BN fold reads norm2's running
  // statistics, which change between the two runs), forward() on the concatenation.
  // Returns (N, growth, H, W).
  Var forward_features(const std::vector<Var>& features, bool memory_efficient);

 protected:
  Var forward_impl(const Var& x) override;  // (N, in, H, W) -> (N, growth, H, W)

 private:
  Var bottleneck(const Var& x);  // norm1, relu1, conv1: (N, in, H, W) -> (N, bottleneck, H, W)
  Var tail(const Var& b);        // norm2, relu2, conv2: (N, bottleneck, H, W) -> (N, growth, H, W)

  std::shared_ptr<BatchNorm2d> norm1_, norm2_;
  std::shared_ptr<Activation> relu1_, relu2_;
  std::shared_ptr<Conv2d> conv1_, conv2_;
};

// torchvision's _DenseBlock: denselayer1..L, layer k seeing the block input and the k - 1 earlier
// layers' outputs joined along channels; the output joins all of them: in + L growth channels.
// memory_efficient (torchvision's flag of that name, here on by default): the layers keep the
// pieces, not their concatenations (DenseLayer::forward_features), and the block joins them once.
class DenseBlock : public Module {
 public:
  struct Options {
    int64_t in = 0, layers = 0, bottleneck = 128, growth = 32;
    bool memory_efficient = true;
  };
  explicit DenseBlock(const Options& options);
  OutputForm output_form() const override { return {.kind = OutputForm::Kind::concatenation}; }

 protected:
  Var forward_impl(const Var& x) override;

 private:
  std::vector<std::shared_ptr<DenseLayer>> layers_;
  bool memory_efficient_;
};

class DenseNet : public Module {
 public:
  explicit DenseNet(const ModelSpec& spec);

 protected:
  Var forward_impl(const Var& x) override;

 private:
  std::shared_ptr<Sequential> features_;
  std::shared_ptr<Activation> relu_;
  std::shared_ptr<GlobalAvgPool> pool_;
  std::shared_ptr<Dropout> dropout_;  // only for a dropout > 0 (torchvision's has none; names stay)
  std::shared_ptr<Linear> classifier_;
};

// Name: densenet121 (no width multiplier).
std::shared_ptr<Module> make_densenet(const ModelSpec& spec);

}  // namespace minnow
