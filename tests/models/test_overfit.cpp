// ShuffleNet v1/v2 and ResNet-18/34/20/56 overfit two fixed random batches of 4 images
// (10 classes, small_input where it applies): SGD with momentum 0.9 brings the mean
// train-mode cross-entropy to 10% of its start within a bounded number of steps.
// SqueezeNet and ResNet-50 do not reach 10% within 100 such steps (see the issue note);
// their gradients match torchvision's in test_torchvision_parity.cpp.
#include <gtest/gtest.h>

#include <iostream>

#include "models/zoo.h"
#include "tests/support/model_checks.h"

namespace minnow {
namespace {

struct Case {
  ModelSpec spec;
  int64_t resolution;
  float lr;
  int max_steps;
};

class Overfit : public ::testing::TestWithParam<Case> {};

TEST_P(Overfit, LossFallsByNinetyPercent) {
  const Case& c = GetParam();
  const auto model = create_model(c.spec);
  const auto result = test_support::overfit(*model, {.in_channels = c.spec.in_channels,
                                                     .resolution = c.resolution,
                                                     .num_classes = c.spec.num_classes,
                                                     .lr = c.lr,
                                                     .max_steps = c.max_steps});
  EXPECT_LE(result.final_loss, 0.1f * result.initial_loss)
      << "after " << result.steps << " steps: " << result.initial_loss << " -> " << result.final_loss;
  std::cout << c.spec.name << ": " << result.initial_loss << " -> " << result.final_loss << " in " << result.steps
            << " steps\n";
}

const Case kCases[] = {
    {{.name = "shufflenet_v1", .num_classes = 10, .small_input = true, .groups = 3}, 16, 0.05f, 60},
    {{.name = "shufflenet_v2_x0_5", .num_classes = 10, .small_input = true}, 32, 0.05f, 60},
    {{.name = "resnet18", .num_classes = 10, .small_input = true}, 32, 0.05f, 60},
    {{.name = "resnet34", .num_classes = 10, .small_input = true}, 16, 0.1f, 100},
    {{.name = "resnet20", .num_classes = 10}, 32, 0.05f, 60},
    {{.name = "resnet56", .num_classes = 10}, 32, 0.05f, 60},
};

INSTANTIATE_TEST_SUITE_P(Zoo, Overfit, ::testing::ValuesIn(kCases),
                         [](const auto& test) { return std::to_string(test.index) + "_" + test.param.spec.name; });

}  // namespace
}  // namespace minnow
