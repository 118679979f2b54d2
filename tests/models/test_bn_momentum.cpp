// ModelSpec::bn_momentum (config key model.bn_momentum): it reaches every batch norm of the
// model, a training step updates the running statistics with it, and values outside (0, 1]
// are refused with a line naming the key.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/error.h"
#include "models/layers.h"
#include "models/zoo.h"

namespace minnow {
namespace {

std::vector<float> momenta(Module& model) {
  std::vector<float> found;
  for (const auto& [name, module] : model.named_modules())
    if (const auto* bn = dynamic_cast<const BatchNorm2d*>(module)) found.push_back(bn->options().momentum);
  return found;
}

TEST(BnMomentum, UnsetKeepsTheModelsOwn) {
  const auto mnasnet = create_model({.name = "mnasnet0_5", .num_classes = 10});
  const std::vector<float> own = momenta(*mnasnet);
  ASSERT_EQ(own.size(), 52u);
  for (const float m : own) EXPECT_FLOAT_EQ(m, static_cast<float>(1.0 - 0.9997));
  const auto v3 = create_model({.name = "mobilenet_v3_small", .num_classes = 10});
  for (const float m : momenta(*v3)) EXPECT_FLOAT_EQ(m, 0.01f);
}

TEST(BnMomentum, ReachesEveryBatchNorm) {
  for (const std::string name : {"mnasnet0_5", "mobilenet_v3_small", "efficientnet_b0", "shufflenet_v2_x0_5"}) {
    const auto model = create_model({.name = name, .num_classes = 10, .bn_momentum = 0.25f});
    const std::vector<float> set = momenta(*model);
    ASSERT_FALSE(set.empty()) << name;
    for (const float m : set) EXPECT_EQ(m, 0.25f) << name;
  }
}

// One training forward of a batch with per-channel means 2 and -4 (variance 0, so the
// running variance decays): running_mean = (1 - m) 0 + m mean, running_var = (1 - m) 1 + m 0.
TEST(BnMomentum, TrainingUpdatesTheRunningStatisticsWithIt) {
  BatchNorm2d bn({.channels = 2});
  bn.set_momentum(0.25f);
  bn.train(true);
  std::vector<float> x(2 * 2 * 3 * 3);  // (N 2, C 2, 3, 3)
  for (size_t i = 0; i < x.size(); ++i) x[i] = (i / 9) % 2 == 0 ? 2.0f : -4.0f;
  bn.forward(Var(Tensor::from_plain({2, 2, 3, 3}, x)));
  const std::vector<float> mean = bn.running_mean().to_plain(), var = bn.running_var().to_plain();
  EXPECT_FLOAT_EQ(mean[0], 0.5f);
  EXPECT_FLOAT_EQ(mean[1], -1.0f);
  EXPECT_NEAR(var[0], 0.75f, 1e-6);
  EXPECT_NEAR(var[1], 0.75f, 1e-6);
}

TEST(BnMomentum, OutsideTheUnitIntervalIsRefused) {
  for (const float bad : {0.0f, -0.1f, 1.5f}) {
    try {
      create_model({.name = "mnasnet0_5", .num_classes = 10, .bn_momentum = bad});
      ADD_FAILURE() << "bn_momentum " << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find("expected bn_momentum in (0, 1]"), std::string::npos) << e.what();
    }
  }
  BatchNorm2d bn({.channels = 1});
  EXPECT_THROW(bn.set_momentum(0.0f), Error);
}

}  // namespace
}  // namespace minnow
