// EfficientNet-B0 against torchvision 0.14 and the paper: the exact parameter count, Mult-Adds
// at 224 px (conv and linear multiply-adds: the paper's 0.39 B), the stochastic-depth
// probabilities torchvision gives each block, the spec's options, and the small_input form.
#include <gtest/gtest.h>

#include "core/error.h"
#include "models/layers.h"
#include "models/model_stats.h"
#include "models/zoo.h"
#include "tests/support/model_stats_rows.h"

namespace minnow {
namespace {

using test_support::layer_output;
using test_support::stats_at;

// torchvision.models.EfficientNet_B0_Weights metadata "num_params"; the Mult-Adds are counted
// from torchvision's modules with forward hooks (385.8 M; Tan & Le 2019, Table 2: 0.39 B).
TEST(EfficientNetB0, ParametersAndMultAddsEqualTorchvision) {
  const ModelStats s = stats_at({.name = "efficientnet_b0"}, 224);
  EXPECT_EQ(s.params, 5288548);
  EXPECT_EQ(s.macs, 385814752);
}

// torchvision: block i of 16 (counted over all stages) drops with 0.2 * i / 16.
TEST(EfficientNetB0, StochasticDepthGrowsLinearlyOverTheBlocks) {
  for (const float last : {0.2f, 0.5f}) {
    const auto model = create_model({.name = "efficientnet_b0", .stochastic_depth = last});
    std::vector<std::pair<std::string, float>> got;
    for (const auto& [name, module] : model->named_modules())
      if (const auto* depth = dynamic_cast<const StochasticDepth*>(module)) got.emplace_back(name, depth->p());
    ASSERT_EQ(got.size(), 16u);
    EXPECT_EQ(got[0].first, "features.1.0.stochastic_depth");
    EXPECT_EQ(got[2].first, "features.2.1.stochastic_depth");
    EXPECT_EQ(got[15].first, "features.7.0.stochastic_depth");
    for (size_t i = 0; i < got.size(); ++i)
      EXPECT_FLOAT_EQ(got[i].second, last * static_cast<float>(i) / 16.0f) << got[i].first;
  }
}

TEST(EfficientNetB0, RejectsOptionsItDoesNotHave) {
  EXPECT_THROW(create_model({.name = "efficientnet_b0", .width = 1.1f}), Error);
  EXPECT_THROW(create_model({.name = "efficientnet_b0", .stochastic_depth = 1.0f}), Error);
  EXPECT_THROW(create_model({.name = "mobilenet_v2", .stochastic_depth = 0.1f}), Error);
}

// small_input: the stem (features.0) and the first block of features.2 at stride 1.
TEST(EfficientNetB0, SmallInputDownSamplesEightTimes) {
  const ModelStats small = stats_at({.name = "efficientnet_b0", .num_classes = 10, .small_input = true}, 32);
  EXPECT_EQ(layer_output(small, "features.0.2"), (Dims{32, 32, 32}));
  EXPECT_EQ(layer_output(small, "features.2.0.block.1.2"), (Dims{96, 32, 32}));
  EXPECT_EQ(layer_output(small, "features.8.2"), (Dims{1280, 4, 4}));
  const ModelStats fashion =
      stats_at({.name = "efficientnet_b0", .num_classes = 10, .in_channels = 1, .small_input = true}, 28);
  EXPECT_EQ(layer_output(fashion, "features.8.2"), (Dims{1280, 4, 4}));
  const ModelStats plain = stats_at({.name = "efficientnet_b0", .num_classes = 10}, 32);
  EXPECT_EQ(layer_output(plain, "features.0.2"), (Dims{32, 16, 16}));
  EXPECT_EQ(layer_output(plain, "features.8.2"), (Dims{1280, 1, 1}));
}

}  // namespace
}  // namespace minnow
