// Xception against the paper (Chollet 2017): Table 3's exact parameter count, the Mult-Adds at
// 299 px (conv and linear multiply-adds; the paper gives none, the often quoted figure is
// 8.4 G), the spatial sizes of Figure 5, the initialisation, the options it refuses and the
// small_input form.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "models/layers.h"
#include "models/model_stats.h"
#include "models/zoo.h"
#include "tests/support/model_stats_rows.h"

namespace minnow {
namespace {

using test_support::layer_output;
using test_support::stats_at;

// The Mult-Adds are also counted with forward hooks on tests/parity/xception_reference.py's
// convs and Linear (tests nothing of minnow's): 8,357,403,496.
TEST(Xception, ParametersEqualTableThreeAndMultAddsTheReference) {
  const ModelStats s = stats_at({.name = "xception"}, 299);
  EXPECT_EQ(s.params, 22855952);
  EXPECT_EQ(s.macs, 8357403496);
  // Figure 5: 299 -> 149 (stride 2, unpadded) -> 147 -> 74 -> 37 -> 19 -> 10.
  EXPECT_EQ(layer_output(s, "entry_flow.conv1"), (Dims{32, 149, 149}));
  EXPECT_EQ(layer_output(s, "entry_flow.relu2"), (Dims{64, 147, 147}));
  EXPECT_EQ(layer_output(s, "entry_flow.block1.pool"), (Dims{128, 74, 74}));
  EXPECT_EQ(layer_output(s, "entry_flow.block1.shortcut.bn"), (Dims{128, 74, 74}));
  EXPECT_EQ(layer_output(s, "entry_flow.block3.pool"), (Dims{728, 19, 19}));
  EXPECT_EQ(layer_output(s, "middle_flow.7.sepconv3.bn"), (Dims{728, 19, 19}));
  EXPECT_EQ(layer_output(s, "exit_flow.block.pool"), (Dims{1024, 10, 10}));
  EXPECT_EQ(layer_output(s, "exit_flow.relu4"), (Dims{2048, 10, 10}));
  EXPECT_EQ(layer_output(s, "fc"), (Dims{1000}));
}

double stddev(const Var& v) {
  const std::vector<float> values = v.data().to_plain();
  double sum = 0, squares = 0;
  for (float x : values) sum += x, squares += static_cast<double>(x) * x;
  const double n = static_cast<double>(values.size()), mean = sum / n;
  return std::sqrt(squares / n - mean * mean);
}

// Convs kaiming normal (fan_out), fc Glorot uniform (its std bound / sqrt(3)) with a zero
// bias, BN 1 and 0.
TEST(Xception, InitialisesConvsKaimingFcGlorotBnOneZero) {
  const auto model = create_model({.name = "xception", .num_classes = 10});
  int64_t convs = 0;
  for (const auto& [name, module] : model->named_modules()) {
    if (const auto* conv = dynamic_cast<const Conv2d*>(module)) {
      const auto& o = conv->options();
      if (o.out * o.in / o.groups * o.kernel * o.kernel < 10000) continue;  // too few draws for 5%
      const double expected = std::sqrt(2.0 / static_cast<double>(o.out * o.kernel * o.kernel));
      EXPECT_NEAR(stddev(conv->weight()), expected, 0.05 * expected) << name;
      EXPECT_FALSE(conv->bias().defined()) << name;
      ++convs;
    } else if (const auto* bn = dynamic_cast<const BatchNorm2d*>(module)) {
      for (float v : bn->weight().data().to_plain()) ASSERT_EQ(v, 1.0f) << name;
      for (float v : bn->bias().data().to_plain()) ASSERT_EQ(v, 0.0f) << name;
    } else if (const auto* fc = dynamic_cast<const Linear*>(module)) {
      const double bound = std::sqrt(6.0 / (2048 + 10));
      EXPECT_NEAR(stddev(fc->weight()), bound / std::sqrt(3.0), 0.05 * bound / std::sqrt(3.0));
      for (float v : fc->weight().data().to_plain()) ASSERT_LE(std::abs(v), bound);
      for (float v : fc->bias().data().to_plain()) ASSERT_EQ(v, 0.0f);
    }
  }
  EXPECT_GE(convs, 30);
}

TEST(Xception, RefusesAWidthAndTakesTheDropout) {
  EXPECT_THROW(create_model({.name = "xception", .width = 0.5f}), Error);
  const auto has_dropout = [](const ModelSpec& spec) {
    const auto model = create_model(spec);
    for (const auto& [name, module] : model->named_modules())
      if (const auto* dropout = dynamic_cast<const Dropout*>(module)) return name == "dropout" && dropout->p() == 0.5f;
    return false;
  };
  EXPECT_TRUE(has_dropout({.name = "xception"}));  // the paper's default
  EXPECT_FALSE(has_dropout({.name = "xception", .dropout = 0.0f}));
}

// small_input: entry_flow.conv1 and entry_flow.block1 (pool and shortcut) at stride 1, so 32 px
// reaches the exit flow at 7x7 and leaves it at 4x4 (28 px: 6x6, 3x3).
TEST(Xception, SmallInputDownSamplesEightTimes) {
  const ModelStats small = stats_at({.name = "xception", .num_classes = 10, .small_input = true}, 32);
  EXPECT_EQ(layer_output(small, "entry_flow.conv1"), (Dims{32, 30, 30}));
  EXPECT_EQ(layer_output(small, "entry_flow.block1.pool"), (Dims{128, 28, 28}));
  EXPECT_EQ(layer_output(small, "entry_flow.block1.shortcut.bn"), (Dims{128, 28, 28}));
  EXPECT_EQ(layer_output(small, "middle_flow.0.sepconv1.bn"), (Dims{728, 7, 7}));
  EXPECT_EQ(layer_output(small, "exit_flow.relu4"), (Dims{2048, 4, 4}));
  const ModelStats fashion =
      stats_at({.name = "xception", .num_classes = 10, .in_channels = 1, .small_input = true}, 28);
  EXPECT_EQ(layer_output(fashion, "middle_flow.7.sepconv3.bn"), (Dims{728, 6, 6}));
  EXPECT_EQ(layer_output(fashion, "exit_flow.relu4"), (Dims{2048, 3, 3}));
  const ModelStats plain = stats_at({.name = "xception", .num_classes = 10}, 32);
  EXPECT_EQ(layer_output(plain, "entry_flow.conv1"), (Dims{32, 15, 15}));
  EXPECT_EQ(layer_output(plain, "middle_flow.0.sepconv1.bn"), (Dims{728, 2, 2}));
  EXPECT_EQ(layer_output(plain, "exit_flow.relu4"), (Dims{2048, 1, 1}));
}

}  // namespace
}  // namespace minnow
