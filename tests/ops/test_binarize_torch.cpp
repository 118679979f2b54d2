// binarize_weight and binarize_activation against PyTorch (tests/parity/ops/binarize.py: a
// torch.autograd.Function for the clipped STE of sign, with alpha = mean |w| left to torch's
// autograd), forward and backward, on conv and linear weights and an activation.
#include <gtest/gtest.h>

#include "ops/binarize.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

TEST(Binarize, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, dx;
  };
  std::vector<Got> got;
  Rng rng(11);
  const auto add = [&](const std::string& id, const std::string& op, const Dims& dims, float range) {
    std::vector<float> xs = test_support::random_tensor(dims, rng, -range, range).to_plain();
    xs[0] = 0.0f, xs[1] = 1.0f, xs[2] = -1.0f;  // sign(0) and the STE window's closed edges
    const Tensor xt = Tensor::from_plain(dims, xs), dy = test_support::random_tensor(dims, rng);
    const Var x(xt, true);
    const Var y = op == "binarize_weight" ? binarize_weight(x) : binarize_activation(x);
    y.backward(dy);
    torch.add(id, op, "{}", {{"x", xt}, {"dy", dy}});
    got.push_back({id, y.data().to_plain(), x.grad().to_plain()});
  };
  add("conv", "binarize_weight", {16, 8, 3, 3}, 2.0f);
  add("depthwise", "binarize_weight", {12, 1, 3, 3}, 1.5f);
  add("linear", "binarize_weight", {10, 32}, 0.5f);
  add("activation", "binarize_activation", {2, 6, 5, 5}, 3.0f);
  torch.run();
  for (const auto& g : got) {
    test_support::expect_matches_torch(g.y, torch.result(g.id, "y"), 1e-7, 1e-6, g.id + " y");
    test_support::expect_matches_torch(g.dx, torch.result(g.id, "dx"), 1e-6, 1e-5, g.id + " dx");
  }
}

}  // namespace
}  // namespace minnow
