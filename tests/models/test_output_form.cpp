// Each block's output form: the sum or concatenation it makes, the children that carry its
// shortcut and run after the join, and whether its output is non-negative; containers and
// layers are plain.
#include <gtest/gtest.h>

#include <string>

#include "models/fire.h"
#include "models/mobilenet_v2.h"
#include "models/resnet_blocks.h"
#include "models/shufflenet_v1_unit.h"
#include "models/shufflenet_v2_unit.h"

namespace minnow {
namespace {

using Kind = OutputForm::Kind;

const Module* child(const Module& m, const std::string& name) {
  for (const auto& [n, c] : m.named_children())
    if (n == name) return c;
  ADD_FAILURE() << m.type() << " has no child " << name;
  return nullptr;
}

TEST(OutputForm, ContainersAndLayersArePlain) {
  const ConvBnAct stem({.in = 3, .out = 8});
  EXPECT_EQ(stem.output_form().kind, Kind::plain);
  EXPECT_EQ(Sequential().output_form().kind, Kind::plain);
  EXPECT_EQ(stem.conv().output_form().kind, Kind::plain);
}

TEST(OutputForm, InvertedResidualSumsOnlyWithItsResidual) {
  const OutputForm sum = InvertedResidual({.in = 16, .out = 16, .stride = 1}).output_form();
  EXPECT_EQ(sum.kind, Kind::residual_sum);
  EXPECT_EQ(sum.shortcut, nullptr);  // the identity
  EXPECT_EQ(sum.then, nullptr);
  EXPECT_FALSE(sum.non_negative);  // a linear bottleneck plus the input
  EXPECT_EQ(InvertedResidual({.in = 16, .out = 24, .stride = 2}).output_form().kind, Kind::plain);
}

TEST(OutputForm, FireAndShuffleV2ConcatenateNonNegativeParts) {
  for (const OutputForm& form : {Fire({.in = 16, .squeeze = 4, .expand1x1 = 8, .expand3x3 = 8}).output_form(),
                                 ShuffleV2Unit({.in = 24, .out = 24, .stride = 1}).output_form(),
                                 ShuffleV2Unit({.in = 24, .out = 48, .stride = 2}).output_form()}) {
    EXPECT_EQ(form.kind, Kind::concatenation);
    EXPECT_EQ(form.then, nullptr);
    EXPECT_TRUE(form.non_negative);
  }
}

TEST(OutputForm, ShuffleV1UnitSumsOrConcatenatesThenRelu) {
  const ShuffleV1Unit sum({.in = 24, .out = 24, .mid = 6, .groups = 3, .stride = 1});
  EXPECT_EQ(sum.output_form().kind, Kind::residual_sum);
  EXPECT_EQ(sum.output_form().shortcut, nullptr);
  EXPECT_EQ(sum.output_form().then, child(sum, "relu"));
  const ShuffleV1Unit concat({.in = 24, .out = 48, .mid = 6, .groups = 3, .stride = 2});
  EXPECT_EQ(concat.output_form().kind, Kind::concatenation);
  EXPECT_EQ(concat.output_form().then, child(concat, "relu"));
  EXPECT_TRUE(concat.output_form().non_negative);
}

TEST(OutputForm, ResNetBlocksAddTheirShortcutThenRelu) {
  const BasicBlock identity({.in = 16, .planes = 16, .stride = 1});
  EXPECT_EQ(identity.output_form().kind, Kind::residual_sum);
  EXPECT_EQ(identity.output_form().shortcut, nullptr);
  EXPECT_EQ(identity.output_form().then, child(identity, "relu"));
  const Bottleneck projected({.in = 16, .planes = 8, .stride = 2});
  EXPECT_EQ(projected.output_form().kind, Kind::residual_sum);
  EXPECT_EQ(projected.output_form().shortcut, child(projected, "downsample"));
  EXPECT_EQ(projected.output_form().then, child(projected, "relu"));
  EXPECT_TRUE(projected.output_form().non_negative);
}

}  // namespace
}  // namespace minnow
