// QAT on MobileNet-v3 small: where prepare_qat puts its quantizers in a block with
// squeeze-and-excitation and hardswish, and that the fake-quantized model trains (overfits
// two random batches). The SE product is fake-quantized (s8) where the int8 model requantizes
// it (SE's output form is gated, models/output_form.h); the classifier's hidden layer is not:
// the int8 model runs the head in f32. Int8 conversion is tested in test_int8_model.cpp.
#include <gtest/gtest.h>

#include <set>

#include "models/zoo.h"
#include "tests/support/model_checks.h"
#include "train/qat/prepare_qat.h"

namespace minnow {
namespace {

std::set<std::string> buffer_names(const Module& model) {
  std::set<std::string> out;
  for (const auto& b : model.named_buffers()) out.insert(b.name);
  return out;
}

bool is_signed(Module& model, const std::string& quantizer) {
  for (const auto& [name, m] : model.named_modules())
    if (name == quantizer) return dynamic_cast<ActivationFakeQuant&>(*m).options().is_signed;
  ADD_FAILURE() << "no quantizer " << quantizer;
  return false;
}

ModelSpec spec() { return {.name = "mobilenet_v3_small", .width = 0.5f, .num_classes = 10, .small_input = true, .dropout = 0.0f}; }

TEST(QatMobileNetV3, QuantizersAroundSqueezeExcitationAndHardswish) {
  auto model = create_model(spec());
  QatConfig config;
  config.enabled = true;
  const QatModel qat = prepare_qat(*model, config);
  // 34 conv + BN pairs fold (stem, 11 depthwise, 10 expand, 11 projection, last conv); SE's
  // 9 x 2 biased 1x1 convs and the 2 Linears quantize their weights as they are.
  EXPECT_EQ(qat.folded_bns.size(), 34u);
  EXPECT_EQ(qat.weight_quants.size(), 34u + 18u + 2u);
  const std::set<std::string> names = buffer_names(*model);
  // features.1 (depthwise with ReLU, SE, projection; small_input runs it at stride 1, so it
  // is residual): SE is quantized after its ReLU (u8) and after its hardsigmoid gate.
  for (const char* name : {"features.0.2.activation_post_process.scale", "features.1.block.0.1.activation_post_process.scale",
                           "features.1.block.1.activation.activation_post_process.scale",
                           "features.1.block.1.scale_activation.activation_post_process.scale",
                           "features.1.activation_post_process.scale", "features.2.block.2.1.activation_post_process.scale"})
    EXPECT_TRUE(names.count(name)) << name;
  EXPECT_TRUE(names.count("features.1.block.1.activation_post_process.scale"));  // the SE product
  EXPECT_TRUE(is_signed(*model, "features.1.block.1.activation_post_process"));
  EXPECT_FALSE(names.count("features.1.block.2.1.activation_post_process.scale"));  // summed before requantizing
  // Nor is the hidden classifier layer (Linear, hardswish, then the last Linear): prepare_qat
  // quantizes activations only after convs and blocks, and the other zoo classifiers are one Linear.
  EXPECT_FALSE(names.count("classifier.0.activation_post_process.scale"));
  EXPECT_FALSE(names.count("classifier.1.activation_post_process.scale"));
  EXPECT_TRUE(is_signed(*model, "features.0.2.activation_post_process"));  // hardswish reaches -0.375
  EXPECT_FALSE(is_signed(*model, "features.1.block.1.activation.activation_post_process"));
}

TEST(QatMobileNetV3, FakeQuantizedModelOverfits) {
  auto model = create_model(spec());
  QatConfig config;
  config.enabled = true;
  prepare_qat(*model, config);
  const auto result = test_support::overfit(*model, {.resolution = 28, .lr = 0.05f, .max_steps = 80});
  EXPECT_LE(result.final_loss, 0.1f * result.initial_loss)
      << "after " << result.steps << " steps: " << result.initial_loss << " -> " << result.final_loss;
}

}  // namespace
}  // namespace minnow
