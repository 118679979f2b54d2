// QAT trains the zoo's newer models: after prepare_qat on MNASNet, Xception, EfficientNet-B0 (whose
// squeeze-and-excitation convs get weight fake-quants and whose SiLUs and sigmoid gates stay
// float), GoogLeNet (each Inception's concatenation requantized once) and DenseNet-121 (whose
// pre-activation norm1 / relu1 precede conv1 unfolded), SGD on two fixed random batches
// (test_support::overfit) brings the fake-quantized model's cross-entropy below half
// its start, and every conv is folded into its BN.
#include <gtest/gtest.h>

#include <iostream>

#include "models/zoo.h"
#include "tests/support/model_checks.h"
#include "train/qat/prepare_qat.h"

namespace minnow {
namespace {

struct QatCase {
  ModelSpec spec;
  size_t folded_bns;  // convs followed by a BN
  int max_steps;
};

void PrintTo(const QatCase& c, std::ostream* out) { *out << c.spec.name; }

class QatTraining : public ::testing::TestWithParam<QatCase> {};

TEST_P(QatTraining, FakeQuantizedModelLearns) {
  const QatCase& c = GetParam();
  auto model = create_model(c.spec);
  QatConfig config;
  config.enabled = true;
  const QatModel qat = prepare_qat(*model, config);
  EXPECT_EQ(qat.folded_bns.size(), c.folded_bns);
  const auto result = test_support::overfit(*model, {.in_channels = c.spec.in_channels,
                                                     .resolution = 16,
                                                     .num_classes = c.spec.num_classes,
                                                     .lr = 0.02f,
                                                     .max_steps = c.max_steps,
                                                     .target = 0.5f});
  EXPECT_LE(result.final_loss, 0.5f * result.initial_loss)
      << "after " << result.steps << " steps: " << result.initial_loss << " -> " << result.final_loss;
  std::cout << c.spec.name << ": " << result.initial_loss << " -> " << result.final_loss << " in " << result.steps
            << " steps\n";
}

ModelSpec spec(const std::string& name) {
  return {.name = name, .num_classes = 10, .in_channels = 1, .small_input = true, .dropout = 0.0f};
}

ModelSpec efficientnet_spec() {
  ModelSpec s = spec("efficientnet_b0");
  s.stochastic_depth = 0.0f;
  return s;
}

// MNASNet: the stem's 3 convs, 16 blocks of 3, the last 1x1 conv. EfficientNet-B0: the stem,
// one block of 2 and 15 of 3 (the SE's two convs have no BN), the last 1x1 conv. Xception: the
// two entry convs, 4 shortcut convs and the pointwise conv of 34 separable convs (a depthwise
// conv feeds a conv, not a BN, so it is not folded). GoogLeNet: conv1-3 and the 6 convs of each
// of the 9 Inception modules. DenseNet-121: conv0 and each of the 58 dense layers' conv1 (conv2
// and the transitions' convs feed no BN).
const QatCase kCases[] = {
    {.spec = spec("mnasnet0_5"), .folded_bns = 52, .max_steps = 60},
    {.spec = efficientnet_spec(), .folded_bns = 49, .max_steps = 60},
    {.spec = spec("xception"), .folded_bns = 40, .max_steps = 60},
    {.spec = spec("googlenet"), .folded_bns = 57, .max_steps = 60},
    {.spec = spec("densenet121"), .folded_bns = 59, .max_steps = 60},
};

INSTANTIATE_TEST_SUITE_P(Zoo, QatTraining, ::testing::ValuesIn(kCases),
                         [](const auto& test) { return test.param.spec.name; });

}  // namespace
}  // namespace minnow
