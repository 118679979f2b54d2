// GoogLeNet against torchvision 0.14 and the paper: the exact parameter count, Mult-Adds at
// 224 px (conv and linear multiply-adds), torchvision's feature map sizes (ceil-mode pools),
// the refused width, and the small_input form.
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "core/error.h"
#include "models/model_stats.h"
#include "models/zoo.h"
#include "tests/support/model_stats_rows.h"

namespace minnow {
namespace {

using test_support::layer_output;
using test_support::stats_at;

// torchvision.models.GoogLeNet_Weights metadata "num_params" is 6,624,904; the Mult-Adds are
// counted from torchvision's googlenet(aux_logits=False) with forward hooks on its convs and
// its linear (1,498,376,192; its metadata says 1.50 GFLOPS, Szegedy et al. 2014 say 1.5 B).
TEST(GoogLeNet, ParametersAndMultAddsEqualTorchvision) {
  const ModelStats s = stats_at({.name = "googlenet"}, 224);
  EXPECT_EQ(s.params, 6624904);
  EXPECT_EQ(s.macs, 1498376192);
}

// The spatial sizes after conv1 and maxpool1-4 at a resolution.
void expect_sizes(int64_t resolution, const std::vector<int64_t>& sizes) {
  SCOPED_TRACE(resolution);
  const ModelStats s = stats_at({.name = "googlenet"}, resolution);
  const std::pair<const char*, int64_t> layers[] = {
      {"conv1.bn", 64}, {"maxpool1", 64}, {"maxpool2", 192}, {"maxpool3", 480}, {"maxpool4", 832}};
  for (size_t i = 0; i < sizes.size(); ++i)
    EXPECT_EQ(layer_output(s, layers[i].first), (Dims{layers[i].second, sizes[i], sizes[i]})) << layers[i].first;
}

// torchvision's forward comments: 112, 56, 28, 14 and 7 px, where floor-mode pools would give
// 55, 27, 13 and 6; at 239 px the ceil-mode pools give 60, 30, 15 and 8 (floor: 59, 29, 14, 7).
TEST(GoogLeNet, CeilModePoolsGiveTorchvisionsSizes) {
  expect_sizes(224, {112, 56, 28, 14, 7});
  expect_sizes(239, {120, 60, 30, 15, 8});
  const ModelStats s = stats_at({.name = "googlenet"}, 224);
  EXPECT_EQ(layer_output(s, "inception3b.branch4.0"), (Dims{256, 28, 28}));
  EXPECT_EQ(layer_output(s, "inception5b.branch4.1.bn"), (Dims{128, 7, 7}));
  EXPECT_EQ(layer_output(s, "fc"), (Dims{1000}));
}

TEST(GoogLeNet, HasNoWidthMultiplier) {
  EXPECT_THROW(create_model({.name = "googlenet", .width = 0.5f}), Error);
  EXPECT_THROW(create_model({.name = "googlenet", .width = 1.25f}), Error);
}

// small_input: conv1 and maxpool1 at stride 1 (maxpool1 still 3x3 without padding, so it
// takes 2 px); maxpool2-4 keep stride 2.
TEST(GoogLeNet, SmallInputDownSamplesEightTimes) {
  const ModelStats small = stats_at({.name = "googlenet", .num_classes = 10, .small_input = true}, 32);
  EXPECT_EQ(layer_output(small, "conv1.bn"), (Dims{64, 32, 32}));
  EXPECT_EQ(layer_output(small, "maxpool1"), (Dims{64, 30, 30}));
  EXPECT_EQ(layer_output(small, "maxpool2"), (Dims{192, 15, 15}));
  EXPECT_EQ(layer_output(small, "maxpool3"), (Dims{480, 7, 7}));
  EXPECT_EQ(layer_output(small, "inception5b.branch1.bn"), (Dims{384, 4, 4}));
  const ModelStats fashion =
      stats_at({.name = "googlenet", .num_classes = 10, .in_channels = 1, .small_input = true}, 28);
  EXPECT_EQ(layer_output(fashion, "inception5b.branch1.bn"), (Dims{384, 3, 3}));
  const ModelStats plain = stats_at({.name = "googlenet", .num_classes = 10}, 32);
  EXPECT_EQ(layer_output(plain, "conv1.bn"), (Dims{64, 16, 16}));
  EXPECT_EQ(layer_output(plain, "inception5b.branch1.bn"), (Dims{384, 1, 1}));
}

}  // namespace
}  // namespace minnow
