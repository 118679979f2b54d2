// DenseNet-121 against torchvision 0.14: the exact parameter count, Mult-Adds at 224 px (conv and
// linear multiply-adds, the count torchvision's later metadata gives as 2.83 GFLOPS), the
// channel counts through the blocks, the small_input form, and the width it refuses.
#include <gtest/gtest.h>

#include "core/error.h"
#include "models/model_stats.h"
#include "models/zoo.h"
#include "tests/support/model_stats_rows.h"

namespace minnow {
namespace {

using test_support::layer_output;
using test_support::stats_at;

// torchvision.models.DenseNet121_Weights metadata "num_params"; the Mult-Adds are counted from
// torchvision's convs and linear with forward hooks at 224 px (tests nothing of minnow's).
TEST(DenseNet, ParametersAndMultAddsEqualTorchvision) {
  const ModelStats stats = stats_at({.name = "densenet121"}, 224);
  EXPECT_EQ(stats.params, 7978856);
  EXPECT_EQ(stats.macs, 2834161664);
  EXPECT_EQ(create_model({.name = "densenet121", .num_classes = 10})->num_parameters(), 6964106);
}

TEST(DenseNet, ChannelsGrowBy32PerLayerAndHalveInTransitions) {
  const ModelStats stats = stats_at({.name = "densenet121"}, 224);
  EXPECT_EQ(layer_output(stats, "features.pool0"), (Dims{64, 56, 56}));
  EXPECT_EQ(layer_output(stats, "features.denseblock1.denselayer6.conv1"), (Dims{128, 56, 56}));
  EXPECT_EQ(layer_output(stats, "features.denseblock1.denselayer6.conv2"), (Dims{32, 56, 56}));
  EXPECT_EQ(layer_output(stats, "features.transition1.conv"), (Dims{128, 56, 56}));
  EXPECT_EQ(layer_output(stats, "features.transition1.pool"), (Dims{128, 28, 28}));
  EXPECT_EQ(layer_output(stats, "features.transition2.pool"), (Dims{256, 14, 14}));
  EXPECT_EQ(layer_output(stats, "features.transition3.pool"), (Dims{512, 7, 7}));
  EXPECT_EQ(layer_output(stats, "features.norm5"), (Dims{1024, 7, 7}));
}

// small_input: conv0 (still 7x7) and pool0 at stride 1.
TEST(DenseNet, SmallInputKeepsTheStemAtFullResolution) {
  const ModelStats small = stats_at({.name = "densenet121", .num_classes = 10, .small_input = true}, 32);
  EXPECT_EQ(layer_output(small, "features.conv0"), (Dims{64, 32, 32}));
  EXPECT_EQ(layer_output(small, "features.pool0"), (Dims{64, 32, 32}));
  EXPECT_EQ(layer_output(small, "features.norm5"), (Dims{1024, 4, 4}));
  const ModelStats fashion =
      stats_at({.name = "densenet121", .num_classes = 10, .in_channels = 1, .small_input = true}, 28);
  EXPECT_EQ(layer_output(fashion, "features.norm5"), (Dims{1024, 3, 3}));
  const ModelStats plain = stats_at({.name = "densenet121", .num_classes = 10}, 32);
  EXPECT_EQ(layer_output(plain, "features.conv0"), (Dims{64, 16, 16}));
  EXPECT_EQ(layer_output(plain, "features.norm5"), (Dims{1024, 1, 1}));
  EXPECT_EQ(small.params, plain.params);
}

TEST(DenseNet, RefusesWidth) {
  EXPECT_THROW(create_model({.name = "densenet121", .width = 0.5f}), Error);
  EXPECT_NO_THROW(create_model({.name = "densenet121", .width = 1.0f}));
}

}  // namespace
}  // namespace minnow
