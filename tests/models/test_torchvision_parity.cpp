// Parity with torchvision at a small resolution (64 px, batch 2, 10 classes): torchvision's
// random weights (BN statistics randomised too) are loaded by name; eval logits,
// train-mode logits and loss, every parameter's gradient and the BN running statistics
// after the step must match a float64 torchvision run.
// Tolerances, per element: |minnow - torch| <= atol + atol_scale * max|torch| + rtol |torch|;
// logits 0 / 1e-4 / 1e-4, gradients 1e-5 / 1e-3 / 1e-3 (f32 sums over thousands of terms
// through 20-50 layers; 1e-5 for gradients that are zero in exact arithmetic), running
// statistics 0 / 1e-4 / 1e-4.
// ShuffleNet's last stages normalise 32 values per channel (4x4, batch 2): one ReLU input that
// float32 rounding moves across zero shifts whole gradients by percents, so its reference
// redraws the input until every ReLU input is 1e-5 or more from zero.
#include <gtest/gtest.h>

#include "models/zoo.h"
#include "tests/support/model_parity.h"

namespace minnow {
namespace {

const test_support::ParityTolerances kTolerances{
    .logits = {.atol_scale = 1e-4, .rtol = 1e-4},
    .gradients = {.atol = 1e-5, .atol_scale = 1e-3, .rtol = 1e-3},
    .running_stats = {.atol_scale = 1e-4, .rtol = 1e-4},
};

void check_parity(const test_support::TorchvisionReferenceOptions& options, const ModelSpec& spec) {
  const SafeTensors reference = test_support::run_torchvision_reference(options);
  const auto model = create_model(spec);
  test_support::expect_torchvision_parity(*model, reference, kTolerances);
}

TEST(TorchvisionParity, ShuffleNetV2x1_0) {
  check_parity({.model = "shufflenet_v2_x1_0", .min_relu_margin = 1e-5},
               {.name = "shufflenet_v2_x1_0", .num_classes = 10});
}

// Dropout off on both sides: its masks cannot match.
TEST(TorchvisionParity, SqueezeNet1_1) {
  check_parity({.model = "squeezenet1_1", .kwargs_json = R"({"dropout": 0.0})"},
               {.name = "squeezenet1_1", .num_classes = 10, .dropout = 0.0f});
}

TEST(TorchvisionParity, ResNet18) { check_parity({.model = "resnet18"}, {.name = "resnet18", .num_classes = 10}); }

}  // namespace
}  // namespace minnow
