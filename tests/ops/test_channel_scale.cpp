// scale_channels against its definition y[c, ...] = x[c, ...] s[c] and dx = dy s
// (a double-precision loop), finite differences, and PyTorch; bad inputs are named.
#include <gtest/gtest.h>

#include "ops/channel_scale.h"
#include "tests/support/errors.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using test_support::random_tensor;

const Dims kShapes[] = {{5, 3, 3, 3}, {24, 1, 3, 3}, {7, 13}, {3}};

TEST(ChannelScale, MatchesItsDefinitionBothWays) {
  Rng rng(61);
  for (const Dims& dims : kShapes) {
    SCOPED_TRACE(dims_str(dims));
    const Var x(random_tensor(dims, rng), true);
    const Tensor s = random_tensor({dims[0]}, rng, -2.0f, 2.0f);
    const Tensor dy = random_tensor(dims, rng);
    const Var y = scale_channels(x, s);
    y.backward(dy);
    const std::vector<float> xv = x.data().to_plain(), sv = s.to_plain(), dyv = dy.to_plain();
    const std::vector<float> yv = y.data().to_plain(), dxv = x.grad().to_plain();
    const size_t per = xv.size() / sv.size();
    for (size_t i = 0; i < xv.size(); ++i) {
      const double scale = sv[i / per];
      EXPECT_EQ(yv[i], static_cast<float>(static_cast<double>(xv[i]) * scale)) << i;
      EXPECT_EQ(dxv[i], static_cast<float>(static_cast<double>(dyv[i]) * scale)) << i;
    }
  }
}

TEST(ChannelScale, MatchesFiniteDifferences) {
  Rng rng(62);
  const Tensor s = random_tensor({4}, rng, -2.0f, 2.0f);
  test_support::expect_gradcheck([&](const std::vector<Var>& v) { return scale_channels(v[0], s); },
                                 {random_tensor({4, 2, 3, 3}, rng)});
}

TEST(ChannelScale, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, dx;
  };
  std::vector<Got> got;
  Rng rng(63);
  for (const Dims& dims : kShapes) {
    const std::string id = "scale_channels_" + std::to_string(got.size());
    const Var x(random_tensor(dims, rng), true);
    const Tensor s = random_tensor({dims[0]}, rng, -2.0f, 2.0f);
    const Tensor dy = random_tensor(dims, rng);
    const Var y = scale_channels(x, s);
    y.backward(dy);
    torch.add(id, "scale_channels", R"({"constant": ["s"]})", {{"x", x.data()}, {"s", s}, {"dy", dy}});
    got.push_back({id, y.data().to_plain(), x.grad().to_plain()});
  }
  torch.run();
  for (const auto& g : got) {
    EXPECT_EQ(g.y, torch.result(g.id, "y")) << g.id;  // one f32 product per element on both sides
    EXPECT_EQ(g.dx, torch.result(g.id, "dx")) << g.id;
  }
}

TEST(ChannelScale, BadInputsAreNamed) {
  Rng rng(64);
  const Var x(random_tensor({4, 3}, rng));
  test_support::expect_error([&] { (void)scale_channels(x, random_tensor({3}, rng)); },
                             "scale_channels: expected s of dims [4] for x of dims [4, 3], got [3]");
  const Var blocked(random_tensor({2, 16, 3, 3}, rng).to_layout(
      dnnl::memory::desc({2, 16, 3, 3}, dt::f32, dnnl::memory::format_tag::nChw16c)));
  test_support::expect_error([&] { (void)scale_channels(blocked, random_tensor({2}, rng)); },
                             "scale_channels: expected a plain f32 x");
}

}  // namespace
}  // namespace minnow
