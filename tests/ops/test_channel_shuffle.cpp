// channel_shuffle against a reference index loop (forward and backward), finite
// differences and PyTorch (torchvision's view/transpose), on plain and nChw16c inputs;
// the output and the gradient stay in the input's layout.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/reorder.h"
#include "ops/channel_shuffle.h"
#include "ops/primitive_cache.h"
#include "tests/support/errors.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

struct ShuffleCase {
  const char* name;
  Dims dims;
  int64_t groups;
  bool blocked;  // nChw16c input
};

void PrintTo(const ShuffleCase& c, std::ostream* out) { *out << c.name; }

const ShuffleCase kCases[] = {
    {"plain_24_g3", {1, 24, 7, 7}, 3, false},
    {"plain_20_g4_odd", {3, 20, 7, 13}, 4, false},
    {"blocked_48_g2", {3, 48, 13, 13}, 2, true},
    {"blocked_24_g2_padded", {1, 24, 7, 7}, 2, true},
    {"blocked_116_g2", {2, 116, 7, 7}, 2, true},  // ShuffleNet v2 1x, stage 2
    {"blocked_20_g4_padded", {3, 20, 7, 13}, 4, true},
    {"plain_6_g6", {2, 6, 7, 7}, 6, false},     // groups == C: identity
    {"blocked_16_g1", {1, 16, 7, 7}, 1, true},  // one group: identity
};

Var shuffle_input(const ShuffleCase& t, Rng& rng) {
  const Tensor x = test_support::random_tensor(t.dims, rng);
  return Var(t.blocked ? x.to_layout(dnnl::memory::desc(t.dims, dt::f32, dnnl::memory::format_tag::nChw16c)) : x, true);
}

// y[n, i g + j] = x[n, j (C/g) + i] over plain values; backward is the adjoint
// permutation dx[n, j (C/g) + i] = dy[n, i g + j]. Pure data movement: compared bit-exact.
struct Reference {
  std::vector<float> y, dx;
};

Reference reference_shuffle(const std::vector<float>& x, const std::vector<float>& dy, const Dims& d, int64_t g) {
  const int64_t n = d[0], c = d[1], hw = d[2] * d[3], per_group = c / g;
  Reference r{std::vector<float>(x.size()), std::vector<float>(x.size())};
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < per_group; ++i)
      for (int64_t j = 0; j < g; ++j)
        for (int64_t s = 0; s < hw; ++s) {
          const auto out = static_cast<size_t>((b * c + i * g + j) * hw + s);
          const auto in = static_cast<size_t>((b * c + j * per_group + i) * hw + s);
          r.y[out] = x[in];
          r.dx[in] = dy[out];
        }
  return r;
}

bool padding_is_zero(const Tensor& t) {
  double physical = 0, logical = 0;
  for (float v : t.f32_buffer()) physical += std::abs(v);
  for (float v : t.to_plain()) logical += std::abs(v);
  return physical == logical;
}

class ChannelShuffleTest : public ::testing::TestWithParam<ShuffleCase> {};

TEST_P(ChannelShuffleTest, MatchesReferenceInTheInputLayout) {
  const ShuffleCase t = GetParam();
  Rng rng(31);
  const Var x = shuffle_input(t, rng);
  const Tensor dy = test_support::random_tensor(t.dims, rng).to_layout(x.data().desc());
  const Reference ref = reference_shuffle(x.data().to_plain(), dy.to_plain(), t.dims, t.groups);

  const uint64_t reorders = reorder_count();
  const Var y = channel_shuffle(x, t.groups);
  y.backward(dy);
  EXPECT_EQ(reorder_count(), reorders) << "shuffle moved an activation to another layout";
  EXPECT_TRUE(y.data().desc() == x.data().desc()) << "output not in the input's layout";
  EXPECT_TRUE(x.grad().desc() == x.data().desc()) << "gradient not in the input's layout";
  EXPECT_TRUE(padding_is_zero(y.data()));
  EXPECT_TRUE(padding_is_zero(x.grad()));
  EXPECT_EQ(y.data().to_plain(), ref.y);
  EXPECT_EQ(x.grad().to_plain(), ref.dx);
}

TEST_P(ChannelShuffleTest, MatchesFiniteDifferences) {
  const ShuffleCase t = GetParam();
  Rng rng(7);
  test_support::expect_gradcheck([&](const std::vector<Var>& v) { return channel_shuffle(v[0], t.groups); },
                                 {test_support::random_tensor(t.dims, rng)});
}

INSTANTIATE_TEST_SUITE_P(Shapes, ChannelShuffleTest, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(ChannelShuffle, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, dx;
  };
  std::vector<Got> got;
  for (const auto& t : kCases) {
    Rng rng(400 + got.size());
    const Var x = shuffle_input(t, rng);
    const Var y = channel_shuffle(x, t.groups);
    const Tensor dy = test_support::random_tensor(t.dims, rng);
    y.backward(dy.to_layout(y.data().desc()));
    torch.add(t.name, "channel_shuffle", R"({"groups":)" + std::to_string(t.groups) + "}",
              {{"x", x.data().to_layout(plain_desc(t.dims))}, {"dy", dy}});
    got.push_back({t.name, y.data().to_plain(), x.grad().to_plain()});
  }
  torch.run();
  for (const auto& g : got) {
    EXPECT_EQ(g.y, torch.result(g.id, "y")) << g.id << " y";  // a permutation: bit-exact
    EXPECT_EQ(g.dx, torch.result(g.id, "dx")) << g.id << " dx";
  }
}

TEST(ChannelShuffle, RepeatedStepBuildsNothingNew) {
  Rng rng(9);
  const ShuffleCase t = kCases[2];
  const Var x = shuffle_input(t, rng);
  auto step = [&] { channel_shuffle(x, t.groups).backward(Tensor::zeros(x.data().desc())); };
  step();
  const uint64_t builds = primitive_builds();
  step();
  EXPECT_EQ(primitive_builds(), builds);
}

TEST(ChannelShuffle, GroupsMustDivideChannels) {
  Rng rng(1);
  const Var x = test_support::random_var({2, 20, 7, 7}, rng);
  test_support::expect_error(
      [&] { (void)channel_shuffle(x, 3); },
      "channel_shuffle: groups must be >= 1 and divide the 20 channels of input [2, 20, 7, 7], got groups 3");
  EXPECT_THROW((void)channel_shuffle(x, 0), Error);
  EXPECT_THROW((void)channel_shuffle(test_support::random_var({2, 20}, rng), 2), Error);
}

}  // namespace
}  // namespace minnow
