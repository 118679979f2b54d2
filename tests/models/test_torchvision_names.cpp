// The zoo models torchvision also has: at num_classes = 1000, parameter counts equal
// torchvision's exactly, and named_parameters() / named_buffers() list the same names
// with the same shapes in the same order. torchvision is asked once, through
// tests/parity/torchvision_models.py, so no number here is written down unchecked.
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

// One test, one Python run: ctest starts a process per test.
TEST(TorchvisionNames, CountsNamesAndShapesEqualTorchvision) {
  const std::vector<std::string> models = {"shufflenet_v2_x0_5", "shufflenet_v2_x1_0", "shufflenet_v2_x1_5",
                                           "shufflenet_v2_x2_0", "squeezenet1_0",      "squeezenet1_1",
                                           "resnet18",           "resnet34",           "resnet50",
                                           "mnasnet0_5",         "mnasnet1_0",         "efficientnet_b0"};
  const auto infos = test_support::describe_torchvision_models(models, 1000);
  for (const auto& name : models) {
    SCOPED_TRACE(name);
    const auto& info = infos.at(name);
    const auto model = create_model({.name = name, .num_classes = 1000});
    EXPECT_EQ(model->num_parameters(), info.params);
    std::cout << name << ": " << model->num_parameters() << " parameters (torchvision " << info.params << ")\n";
    std::vector<std::pair<std::string, Dims>> parameters, buffers;
    for (const auto& p : model->named_parameters()) parameters.emplace_back(p.name, p.shape);
    for (const auto& b : model->named_buffers()) buffers.emplace_back(b.name, b.tensor.dims());
    EXPECT_EQ(format(parameters), format(info.parameters));
    EXPECT_EQ(format(buffers), format(info.buffers));
  }
}

}  // namespace
}  // namespace minnow
