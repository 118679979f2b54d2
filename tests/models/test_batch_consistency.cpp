// In eval mode a batch's logits equal each sample's own logits (BN uses running
// statistics, nothing mixes samples), for every ShuffleNet, SqueezeNet, ResNet, MobileNet-v3,
// MNASNet, EfficientNet, Xception, GoogLeNet and DenseNet of the zoo (squeeze-and-excitation
// pools each sample alone).
// GoogLeNet is re-initialised so that its logits depend on the input
// (tests/support/input_sensitive_model.h; in torchvision so re-drawn, 3 random 64 px images get
// logits 5% of the largest apart).
// Tolerance: 1e-5 of the largest |logit| (oneDNN may pick another algorithm for batch 1,
// which sums in another order).
#include <gtest/gtest.h>

#include <iostream>

#include "models/zoo.h"
#include "tests/support/input_sensitive_model.h"
#include "tests/support/model_checks.h"

namespace minnow {
namespace {

struct Case {
  ModelSpec spec;
  int64_t resolution;
};

void PrintTo(const Case& c, std::ostream* out) { *out << c.spec.name; }

class BatchConsistency : public ::testing::TestWithParam<Case> {};

TEST_P(BatchConsistency, BatchLogitsEqualPerSampleLogits) {
  const Case& c = GetParam();
  const auto model = test_support::create_input_sensitive_model(c.spec);
  const double error =
      test_support::batch_consistency_error(*model, {3, c.spec.in_channels, c.resolution, c.resolution});
  EXPECT_LE(error, 1e-5);
  std::cout << c.spec.name << ": largest |batch - single| / max |logit| = " << error << "\n";
}

// small_input models run at 32 px; the others at 64 px with their stride-2 stems.
const Case kCases[] = {
    {{.name = "shufflenet_v1", .num_classes = 10, .small_input = true, .groups = 3}, 32},
    {{.name = "shufflenet_v1", .width = 0.5f, .num_classes = 10, .groups = 8}, 64},
    {{.name = "shufflenet_v2_x0_5", .num_classes = 10, .small_input = true}, 32},
    {{.name = "shufflenet_v2_x1_0", .num_classes = 10}, 64},
    {{.name = "squeezenet1_0", .num_classes = 10, .small_input = true}, 32},
    {{.name = "squeezenet1_1", .num_classes = 10, .in_channels = 1}, 64},
    {{.name = "resnet18", .num_classes = 10, .small_input = true}, 32},
    {{.name = "resnet34", .num_classes = 10}, 64},
    {{.name = "resnet50", .num_classes = 10}, 64},
    {{.name = "resnet20", .num_classes = 10}, 32},
    {{.name = "resnet56", .num_classes = 10}, 32},
    {{.name = "mobilenet_v3_small", .num_classes = 10, .small_input = true}, 32},
    {{.name = "mobilenet_v3_large", .width = 0.75f, .num_classes = 10}, 64},
    {{.name = "mnasnet0_5", .num_classes = 10, .small_input = true}, 32},
    {{.name = "mnasnet1_0", .num_classes = 10}, 64},
    {{.name = "efficientnet_b0", .num_classes = 10, .in_channels = 1, .small_input = true}, 32},
    {{.name = "xception", .num_classes = 10, .small_input = true}, 32},
    {{.name = "googlenet", .num_classes = 10, .small_input = true}, 32},
    {{.name = "googlenet", .num_classes = 10}, 64},
    {{.name = "densenet121", .num_classes = 10, .in_channels = 1, .small_input = true}, 28},
};

INSTANTIATE_TEST_SUITE_P(Zoo, BatchConsistency, ::testing::ValuesIn(kCases),
                         [](const auto& test) { return std::to_string(test.index) + "_" + test.param.spec.name; });

}  // namespace
}  // namespace minnow
