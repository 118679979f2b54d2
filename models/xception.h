// Xception (Chollet 2017, Figure 5), 22,855,952 parameters at 1000 classes as in Table 3: children
// entry_flow (conv1, bn1, relu1, conv2, bn2, relu2 and block1-3 to 128, 256, 728 channels, each
// pooling 2x), middle_flow.0-7 (three ReLU + separable conv 728, identity shortcut), exit_flow
// (block to 1024, sepconv3 1536, relu3, sepconv4 2048, relu4), pool, [dropout], fc. Dropout before fc
// defaults to the paper's ImageNet 0.5 (ModelSpec::dropout; 0 leaves no child). No width multiplier.
// small_input: entry_flow.conv1 and entry_flow.block1 (pool and shortcut) at stride 1 (8x down).
#pragma once

#include <memory>

#include "models/layers.h"
#include "models/sequential.h"
#include "models/xception_blocks.h"
#include "models/zoo.h"

namespace minnow {

// conv1 (3x3, 32, stride 2 or 1, unpadded), bn1, relu1, conv2 (3x3, 64, unpadded), bn2, relu2,
// block1-block3: (N, in, H, W) -> (N, 728, H', W').
class XceptionEntryFlow : public Module {
 public:
  XceptionEntryFlow(int64_t in_channels, bool small_input);

 protected:
  Var forward_impl(const Var& x) override;

 private:
  std::shared_ptr<Conv2d> conv1_, conv2_;
  std::shared_ptr<BatchNorm2d> bn1_, bn2_;
  std::shared_ptr<Activation> relu1_, relu2_;
  std::shared_ptr<XceptionBlock> block1_, block2_, block3_;
};

// block (728 -> 728 -> 1024, pooled 2x), sepconv3 (1536), relu3, sepconv4 (2048), relu4.
class XceptionExitFlow : public Module {
 public:
  XceptionExitFlow();

 protected:
  Var forward_impl(const Var& x) override;  // (N, 728, H, W) -> (N, 2048, H / 2, W / 2)

 private:
  std::shared_ptr<XceptionBlock> block_;
  std::shared_ptr<SeparableConvBn> sepconv3_, sepconv4_;
  std::shared_ptr<Activation> relu3_, relu4_;
};

class Xception : public Module {
 public:
  explicit Xception(const ModelSpec& spec);

 protected:
  Var forward_impl(const Var& x) override;  // (N, in, H, W) -> (N, num_classes)

 private:
  std::shared_ptr<XceptionEntryFlow> entry_flow_;
  std::shared_ptr<Sequential> middle_flow_;
  std::shared_ptr<XceptionExitFlow> exit_flow_;
  std::shared_ptr<GlobalAvgPool> pool_;
  std::shared_ptr<Dropout> dropout_;  // null when off
  std::shared_ptr<Linear> fc_;
};

// Name: xception (width must be 1).
std::shared_ptr<Module> make_xception(const ModelSpec& spec);

}  // namespace minnow
