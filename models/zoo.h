// The model zoo: every network by name, built from one plain spec. Names follow
// torchvision where it has the model (mobilenet_v2, shufflenet_v2_x1_0,
// squeezenet1_1, resnet18, ...), and their parameter names match its state_dict().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "models/module.h"

namespace minnow {

struct ModelSpec {
  std::string name{};
  // MobileNet's width multiplier alpha; ShuffleNet v1's scale factor (0.25 ... 2.0);
  // ShuffleNet v2's size (0.5, 1.0, 1.5, 2.0; also encoded by the name shufflenet_v2_x1_0);
  // MNASNet's depth multiplier alpha (also encoded by the names mnasnet0_5, mnasnet1_0).
  float width = 1.0f;
  int64_t num_classes = 1000;
  int64_t in_channels = 3;
  // For inputs of 64 px or less: the stride-2 stem conv and the stem max-pool run at
  // stride 1 (each model documents its exact form).
  bool small_input = false;
  std::optional<float> dropout{};  // classifier dropout; unset: the model's own default
  // EfficientNet's stochastic depth: the last block's drop probability (block i of n drops
  // with stochastic_depth * i / n); unset: the model's own default (0.2).
  std::optional<float> stochastic_depth{};
  // Every batch norm's running-statistics momentum, in (0, 1] (PyTorch's convention); unset:
  // the model's own (0.1; MobileNet-v3 0.01; MNASNet 3e-4, made for ImageNet-length runs).
  std::optional<float> bn_momentum{};
  int64_t groups = 3;            // ShuffleNet v1's group count (1, 2, 3, 4, 8)
  uint64_t seed = 0;             // initialisation seed
  // Channel pruning's plan (models/channel_prune.h): "layer:channels" entries, each giving the
  // output channels of the first conv of a channel group; empty: the zoo's widths.
  std::vector<std::string> channels{};
  bool operator==(const ModelSpec&) const = default;
};

std::shared_ptr<Module> create_model(const ModelSpec& spec);

// Accepted names, in the order `minnow stats --help` lists them.
std::vector<std::string> model_names();

}  // namespace minnow
