// Output shapes and the exact small_input form of each ShuffleNet, SqueezeNet, ResNet, MobileNet-v3, Xception,
// GoogLeNet and DenseNet
// (the spatial size its last feature map reaches from 32 px), the dropout option's
// placement, in_channels, and the zoo's errors for sizes a model does not have.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/grad_mode.h"
#include "models/model_stats.h"
#include "models/zoo.h"
#include "tests/support/model_stats_rows.h"

namespace minnow {
namespace {

using test_support::layer_output;

// From 32 px with small_input: the stem's output (after its max-pool, where it has one)
// and the last feature map.
void expect_small_input_form(const ModelSpec& spec, const std::string& stem, const Dims& stem_output,
                             const std::string& last, const Dims& last_output) {
  SCOPED_TRACE(spec.name);
  const auto model = create_model(spec);
  const ModelStats stats = model_stats(*model, {.resolution = 32, .measure_latency = false});
  EXPECT_EQ(layer_output(stats, stem), stem_output);
  EXPECT_EQ(layer_output(stats, last), last_output);
  EXPECT_EQ(stats.layers.back().output, (Dims{spec.num_classes}));
}

TEST(ZooShapes, SmallInputKeepsResolutionThroughTheStem) {
  expect_small_input_form({.name = "shufflenet_v1", .num_classes = 10, .small_input = true}, "maxpool", {24, 32, 32},
                          "stage4.3.relu", {960, 4, 4});
  expect_small_input_form({.name = "shufflenet_v2_x1_0", .num_classes = 10, .small_input = true}, "maxpool",
                          {24, 32, 32}, "conv5.1", {1024, 4, 4});
  // SqueezeNet's stem conv has no padding, and its pools round up (ceil_mode).
  expect_small_input_form({.name = "squeezenet1_0", .num_classes = 10, .small_input = true}, "features.2", {96, 24, 24},
                          "features.12.expand3x3_activation", {256, 6, 6});
  expect_small_input_form({.name = "squeezenet1_1", .num_classes = 10, .small_input = true}, "features.2", {64, 28, 28},
                          "features.12.expand3x3_activation", {256, 7, 7});
  expect_small_input_form({.name = "resnet18", .num_classes = 10, .small_input = true}, "maxpool", {64, 32, 32},
                          "layer4.1.bn2", {512, 4, 4});
  expect_small_input_form({.name = "resnet50", .num_classes = 10, .small_input = true}, "maxpool", {64, 32, 32},
                          "layer4.2.bn3", {2048, 4, 4});
  // The CIFAR ResNets have a stride-1 stem either way.
  expect_small_input_form({.name = "resnet20", .num_classes = 10, .small_input = true}, "bn1", {16, 32, 32},
                          "layer3.2.bn2", {64, 8, 8});
  expect_small_input_form({.name = "resnet56", .num_classes = 10}, "bn1", {16, 32, 32}, "layer3.8.bn2", {64, 8, 8});
  // MobileNet-v3: the stem and the first stride-2 block at stride 1, 8x down to the last conv.
  expect_small_input_form({.name = "mobilenet_v3_small", .num_classes = 10, .small_input = true}, "features.0.2",
                          {16, 32, 32}, "features.12.2", {576, 4, 4});
  expect_small_input_form({.name = "mobilenet_v3_large", .num_classes = 10, .small_input = true}, "features.0.2",
                          {16, 32, 32}, "features.16.2", {960, 4, 4});
  // Xception: the unpadded entry convs take 32 px to 28 (conv1 at stride 1), block1 pools at stride 1.
  expect_small_input_form({.name = "xception", .num_classes = 10, .small_input = true}, "entry_flow.block1.pool",
                          {128, 28, 28}, "exit_flow.relu4", {2048, 4, 4});
  // GoogLeNet: conv1 and maxpool1 at stride 1; maxpool1 (3x3, no padding) takes 2 px.
  expect_small_input_form({.name = "googlenet", .num_classes = 10, .small_input = true}, "maxpool1", {64, 30, 30},
                          "inception5b.branch4.1.bn", {128, 4, 4});
  // DenseNet: conv0 (7x7) and pool0 at stride 1, 8x down through the three transitions.
  expect_small_input_form({.name = "densenet121", .num_classes = 10, .small_input = true}, "features.pool0",
                          {64, 32, 32}, "features.norm5", {1024, 4, 4});
}

TEST(ZooShapes, ImageNetStemsAtAnyResolution) {
  for (const std::string name : {"shufflenet_v1", "shufflenet_v2_x0_5", "squeezenet1_1", "resnet18",
                                 "mobilenet_v3_small", "xception", "googlenet"}) {
    SCOPED_TRACE(name);
    const auto model = create_model({.name = name, .num_classes = 5, .in_channels = 1});
    NoGrad no_grad;
    const Var y = model->forward(Var(Tensor::zeros({2, 1, 97, 71})));
    EXPECT_EQ(y.dims(), (Dims{2, 5}));
  }
}

TEST(ZooShapes, InChannelsReachTheStem) {
  const auto model = create_model({.name = "resnet18", .in_channels = 1});
  EXPECT_EQ(model->named_parameters().front().shape, (Dims{64, 1, 7, 7}));
}

// Dropout is parameter-free: adding it leaves every torchvision name and shape in place.
TEST(ZooShapes, DropoutKeepsTorchvisionNames) {
  for (const std::string name : {"shufflenet_v2_x1_0", "resnet18", "resnet20", "shufflenet_v1"}) {
    SCOPED_TRACE(name);
    const auto plain = create_model({.name = name});
    const auto with_dropout = create_model({.name = name, .dropout = 0.2f});
    std::vector<std::string> a, b;
    for (const auto& p : plain->named_parameters()) a.push_back(p.name + dims_str(p.shape));
    for (const auto& p : with_dropout->named_parameters()) b.push_back(p.name + dims_str(p.shape));
    EXPECT_EQ(a, b);
    bool found = false;
    for (const auto& [child, module] : with_dropout->named_children())
      found |= child == "dropout" && module->type() == "Dropout";
    EXPECT_TRUE(found);
  }
}

TEST(ZooShapes, RejectsSizesAModelDoesNotHave) {
  EXPECT_THROW(create_model({.name = "shufflenet_v2_x0_5", .width = 2.0f}), Error);
  EXPECT_THROW(create_model({.name = "shufflenet_v2", .width = 0.75f}), Error);
  EXPECT_THROW(create_model({.name = "shufflenet_v1", .groups = 5}), Error);
  EXPECT_THROW(create_model({.name = "shufflenet_v1", .width = 0.75f}), Error);
  EXPECT_THROW(create_model({.name = "resnet18", .width = 0.5f}), Error);
  EXPECT_THROW(create_model({.name = "squeezenet1_1", .width = 0.5f}), Error);
  EXPECT_THROW(create_model({.name = "googlenet", .width = 0.5f}), Error);
  EXPECT_NO_THROW(create_model({.name = "shufflenet_v2", .width = 1.5f}));
  EXPECT_NO_THROW(create_model({.name = "shufflenet_v2_x1_5", .width = 1.5f}));
}

}  // namespace
}  // namespace minnow
