// Module hooks and add_module: forward() runs the pre-hooks on the input, forward_impl,
// then the hooks on the output, in order; a hook's replacement takes part in autograd;
// removed hooks stop running; children added later keep the existing names.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "models/layers.h"
#include "models/sequential.h"
#include "ops/binary.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

std::shared_ptr<Sequential> tiny_net() {
  auto net = std::make_shared<Sequential>();
  net->add(std::make_shared<Conv2d>(Conv2d::Options{.in = 3, .out = 4, .kernel = 3}));
  net->add(std::make_shared<Activation>(ActivationKind::relu));
  return net;
}

Var constant(const Dims& dims, float value) { return Var(Tensor::full(dims, value)); }

TEST(ModuleHooks, ForwardHookSeesTheChildOutput) {
  Rng rng(1);
  auto net = tiny_net();
  const Var x = test_support::random_var({2, 3, 6, 6}, rng, false);
  Var seen;
  net->operator[](0).add_forward_hook([&](const Var& y) {
    seen = y;
    return y;
  });
  const Var y = net->forward(x);
  ASSERT_TRUE(seen.defined());
  EXPECT_EQ(seen.dims(), (Dims{2, 4, 6, 6}));
  // The conv output, before the ReLU: some values are negative.
  const std::vector<float> conv_out = seen.data().to_plain();
  EXPECT_LT(*std::min_element(conv_out.begin(), conv_out.end()), 0.0f);
  const std::vector<float> relu_out = y.data().to_plain();
  EXPECT_GE(*std::min_element(relu_out.begin(), relu_out.end()), 0.0f);
}

TEST(ModuleHooks, ReplacementsChangeOutputAndGradients) {
  Rng rng(2);
  auto net = tiny_net();
  const Var x = test_support::random_var({1, 3, 5, 5}, rng, true);
  const Dims dims{1, 4, 5, 5};
  const std::vector<float> plain = net->forward(x).data().to_plain();

  // Input doubled by a pre-hook, output tripled by a hook: relu(conv(2x)) * 3.
  const int64_t pre = net->add_forward_pre_hook([](const Var& v) { return mul(v, constant(v.dims(), 2.0f)); });
  const int64_t post = net->add_forward_hook([](const Var& v) { return mul(v, constant(v.dims(), 3.0f)); });
  const Var hooked = net->forward(x);
  hooked.backward(constant(dims, 1.0f).data());

  // The conv has a bias, so relu(conv(2x)) is not 2 relu(conv(x)); compare against the
  // same net run on 2x directly.
  net->remove_hook(pre);
  net->remove_hook(post);
  const std::vector<float> dx = x.grad().to_plain();
  const Var x2(mul(x, constant(x.dims(), 2.0f)).data(), true);
  const Var direct_y = net->forward(x2);
  direct_y.backward(constant(dims, 1.0f).data());
  const std::vector<float> direct = direct_y.data().to_plain();
  const std::vector<float> got = hooked.data().to_plain();
  ASSERT_EQ(got.size(), direct.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_FLOAT_EQ(got[i], 3.0f * direct[i]) << i;

  // Removed hooks no longer run.
  const std::vector<float> again = net->forward(x).data().to_plain();
  EXPECT_EQ(again, plain);
  // The gradient went through both hooks, by the chain rule: d/dx [3 f(2x)] = 6 f'(2x).
  const std::vector<float> dx2 = x2.grad().to_plain();
  ASSERT_EQ(dx.size(), dx2.size());
  double norm = 0;
  for (size_t i = 0; i < dx.size(); ++i) {
    EXPECT_NEAR(dx[i], 6.0f * dx2[i], 1e-5f * (1.0f + std::abs(6.0f * dx2[i]))) << i;
    norm += std::abs(dx[i]);
  }
  EXPECT_GT(norm, 0.0);
}

TEST(ModuleHooks, RemovingAnUnknownHookIsAnError) {
  auto net = tiny_net();
  const int64_t id = net->add_forward_hook([](const Var& v) { return v; });
  net->remove_hook(id);
  EXPECT_THROW(net->remove_hook(id), Error);
  EXPECT_THROW(net->add_forward_hook(nullptr), Error);
}

TEST(ModuleHooks, AddModuleAppendsNamesAndKeepsExistingOnes) {
  auto net = tiny_net();
  std::vector<std::string> before;
  for (const auto& p : net->named_parameters()) before.push_back(p.name);
  net->add_module("adapter", std::make_shared<Conv2d>(Conv2d::Options{.in = 4, .out = 2, .kernel = 1}));
  std::vector<std::string> after;
  for (const auto& p : net->named_parameters()) after.push_back(p.name);
  EXPECT_EQ(before, (std::vector<std::string>{"0.weight", "0.bias"}));
  EXPECT_EQ(after, (std::vector<std::string>{"0.weight", "0.bias", "adapter.weight", "adapter.bias"}));
  EXPECT_THROW(net->add_module("adapter", std::make_shared<Activation>(ActivationKind::relu)), Error);
  net->eval();
  // An added child follows the tree's mode, and the forward pass does not run it.
  for (const auto& [name, m] : net->named_modules()) EXPECT_FALSE(m->training()) << name;
}

}  // namespace
}  // namespace minnow
