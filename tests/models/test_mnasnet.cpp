// MNASNet against torchvision 0.14 and the paper: exact parameter counts, torchvision's depth
// rounding, Mult-Adds at 224 px (conv and linear multiply-adds, the count torchvision's later
// metadata gives as 0.10 / 0.31 GFLOPS), the alpha spelling, and the small_input form.
#include <gtest/gtest.h>

#include "core/error.h"
#include "models/mnasnet.h"
#include "models/model_stats.h"
#include "models/zoo.h"
#include "tests/support/model_stats_rows.h"

namespace minnow {
namespace {

using test_support::layer_output;
using test_support::stats_at;

// torchvision.models.mnasnet*_Weights metadata "num_params"; the Mult-Adds are counted from
// torchvision's modules with forward hooks (tests nothing of minnow's).
TEST(MnasNet, ParametersAndMultAddsEqualTorchvision) {
  const ModelStats half = stats_at({.name = "mnasnet0_5"}, 224);
  EXPECT_EQ(half.params, 2218512);
  EXPECT_EQ(half.macs, 104455968);
  const ModelStats one = stats_at({.name = "mnasnet1_0"}, 224);
  EXPECT_EQ(one.params, 4383312);
  EXPECT_EQ(one.macs, 314415872);
}

TEST(MnasNet, RoundsDepthsAsTorchvision) {
  EXPECT_EQ(mnasnet_round_depth(83), 80);  // torchvision's docstring: 83 -> 80, 84 -> 88
  EXPECT_EQ(mnasnet_round_depth(84), 88);
  EXPECT_EQ(mnasnet_round_depth(32 * 0.5), 16);
  EXPECT_EQ(mnasnet_round_depth(16 * 0.5), 8);
  EXPECT_EQ(mnasnet_round_depth(24 * 0.75), 24);  // 18 -> 16 is below 90%: up to 24
  EXPECT_EQ(mnasnet_round_depth(3.0), 8);
}

TEST(MnasNet, WidthIsAlpha) {
  EXPECT_EQ(stats_at({.name = "mnasnet", .width = 0.5f}, 32).params, 2218512);
  EXPECT_EQ(create_model({.name = "mnasnet0_5", .width = 0.5f})->num_parameters(), 2218512);
  EXPECT_THROW(create_model({.name = "mnasnet0_5", .width = 0.75f}), Error);
  EXPECT_THROW(create_model({.name = "mnasnet1_0", .width = 0.5f}), Error);
}

// small_input: the stem conv (layers.0) and the first block of layers.8 at stride 1.
TEST(MnasNet, SmallInputDownSamplesEightTimes) {
  const ModelStats small = stats_at({.name = "mnasnet1_0", .num_classes = 10, .small_input = true}, 32);
  EXPECT_EQ(layer_output(small, "layers.0"), (Dims{32, 32, 32}));
  EXPECT_EQ(layer_output(small, "layers.8.0.layers.3"), (Dims{48, 32, 32}));  // 16 x 3 channels
  EXPECT_EQ(layer_output(small, "layers.16"), (Dims{1280, 4, 4}));
  const ModelStats fashion = stats_at({.name = "mnasnet0_5", .num_classes = 10, .in_channels = 1, .small_input = true}, 28);
  EXPECT_EQ(layer_output(fashion, "layers.16"), (Dims{1280, 4, 4}));
  const ModelStats plain = stats_at({.name = "mnasnet1_0", .num_classes = 10}, 32);
  EXPECT_EQ(layer_output(plain, "layers.0"), (Dims{32, 16, 16}));
  EXPECT_EQ(layer_output(plain, "layers.16"), (Dims{1280, 1, 1}));
}

}  // namespace
}  // namespace minnow
