// The zoo models torchvision also has: at num_classes = 1000, parameter counts equal
// torchvision's exactly, and named_parameters() / named_buffers() list the same names
// with the same shapes in the same order. torchvision is asked once, through
// tests/parity/torchvision_models.py, so no number here is written down unchecked. Xception,
// which torchvision lacks, is compared the same way with its definition from the paper there.
#include <gtest/gtest.h>

#include <iostream>

#include "models/zoo.h"
#include "tests/support/model_parity.h"

namespace minnow {
namespace {

std::vector<std::string> format(const std::vector<std::pair<std::string, Dims>>& entries) {
  std::vector<std::string> out;
  for (const auto& [name, shape] : entries) out.push_back(name + " " + dims_str(shape));
  return out;
}

void expect_torchvision_names(const std::vector<std::string>& models, float width, const std::string& kwargs_json) {
  const auto infos = test_support::describe_torchvision_models(models, 1000, kwargs_json);
  for (const auto& name : models) {
    SCOPED_TRACE(name + " width " + std::to_string(width));
    const auto& info = infos.at(name);
    const auto model = create_model({.name = name, .width = width, .num_classes = 1000});
    EXPECT_EQ(model->num_parameters(), info.params);
    std::cout << name << " width " << width << ": " << model->num_parameters() << " parameters (torchvision " << info.params << ")\n";
    std::vector<std::pair<std::string, Dims>> parameters, buffers;
    for (const auto& p : model->named_parameters()) parameters.emplace_back(p.name, p.shape);
    for (const auto& b : model->named_buffers()) buffers.emplace_back(b.name, b.tensor.dims());
    EXPECT_EQ(format(parameters), format(info.parameters));
    EXPECT_EQ(format(buffers), format(info.buffers));
  }
}

// One test, one Python run: ctest starts a process per test.
TEST(TorchvisionNames, CountsNamesAndShapesEqualTorchvision) {
  expect_torchvision_names({"shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5", "shufflenet_v2_x2_0",
                            "squeezenet1_0", "squeezenet1_1", "resnet18", "resnet34", "resnet50",
                            "mobilenet_v3_small", "mobilenet_v3_large", "mnasnet0_5", "mnasnet1_0", "efficientnet_b0",
                            "googlenet", "densenet121"},
                           1.0f, "{}");
}

// Xception against tests/parity/xception_reference.py (torchvision has none): Table 3's
// 22,855,952 parameters on both sides.
TEST(TorchvisionNames, XceptionEqualsItsPaperReference) { expect_torchvision_names({"xception"}, 1.0f, "{}"); }

// MobileNet-v3's width multiplier rounds every channel count, the SE squeeze and the
// classifier's hidden width as torchvision's width_mult does (0.75 rounds 88 to 64 and 120 to 88; 0.35 lifts 16 * 0.35 to 8).
TEST(TorchvisionNames, MobileNetV3WidthsEqualTorchvision) {
  expect_torchvision_names({"mobilenet_v3_small", "mobilenet_v3_large"}, 0.75f, R"({"width_mult": 0.75})");
  expect_torchvision_names({"mobilenet_v3_small", "mobilenet_v3_large"}, 0.35f, R"({"width_mult": 0.35})");
}

}  // namespace
}  // namespace minnow
