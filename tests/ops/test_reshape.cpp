// reshape and flatten against the row-major order they promise (forward and backward),
// finite differences and PyTorch; a plain input is viewed without a copy, a blocked one
// costs exactly one counted reorder each way and gets its gradient back in its own layout.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/reorder.h"
#include "ops/reshape.h"
#include "tests/support/errors.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

struct ReshapeCase {
  const char* name;
  Dims dims;
  bool blocked;  // nChw16c input
  Dims target;   // empty: flatten
  Dims expected;
};

void PrintTo(const ReshapeCase& c, std::ostream* out) { *out << c.name; }

const ReshapeCase kCases[] = {
    {"plain_to_rows", {3, 20, 7, 7}, false, {3, 980}, {3, 980}},
    {"plain_inferred", {1, 24, 7, 13}, false, {-1, 13}, {168, 13}},
    {"blocked_to_rows", {3, 24, 7, 7}, true, {3, -1}, {3, 1176}},
    {"rows_to_maps", {3, 12}, false, {3, 3, 2, 2}, {3, 3, 2, 2}},
    {"flatten_plain", {3, 20, 7, 13}, false, {}, {3, 1820}},
    {"flatten_blocked_batch1", {1, 24, 13, 13}, true, {}, {1, 4056}},
};

Var reshape_input(const ReshapeCase& t, Rng& rng) {
  const Tensor x = test_support::random_tensor(t.dims, rng);
  return Var(t.blocked ? x.to_layout(dnnl::memory::desc(t.dims, dt::f32, dnnl::memory::format_tag::nChw16c)) : x, true);
}

Var apply(const ReshapeCase& t, const Var& x) { return t.target.empty() ? flatten(x) : reshape(x, t.target); }

class ReshapeTest : public ::testing::TestWithParam<ReshapeCase> {};

// y = x's values in row-major order under new dims; dx = dy's values under x's dims.
TEST_P(ReshapeTest, KeepsRowMajorOrderBothWays) {
  const ReshapeCase t = GetParam();
  Rng rng(51);
  const Var x = reshape_input(t, rng);
  const Tensor dy = test_support::random_tensor(t.expected, rng);
  const uint64_t reorders = reorder_count();
  const Var y = apply(t, x);
  EXPECT_EQ(reorder_count() - reorders, t.blocked ? 1u : 0u);
  EXPECT_EQ(y.dims(), t.expected);
  EXPECT_TRUE(y.data().is_plain());
  if (!t.blocked) {
    EXPECT_EQ(y.data().raw(), x.data().raw()) << "a plain input is viewed, not copied";
  }
  y.backward(dy);
  EXPECT_EQ(reorder_count() - reorders, t.blocked ? 2u : 0u);
  EXPECT_TRUE(x.grad().desc() == x.data().desc()) << "gradient not in the input's layout";
  EXPECT_EQ(y.data().to_plain(), x.data().to_plain());
  EXPECT_EQ(x.grad().to_plain(), dy.to_plain());
}

TEST_P(ReshapeTest, MatchesFiniteDifferences) {
  const ReshapeCase t = GetParam();
  Rng rng(9);
  test_support::expect_gradcheck([&](const std::vector<Var>& v) { return apply(t, v[0]); },
                                 {test_support::random_tensor(t.dims, rng)});
}

INSTANTIATE_TEST_SUITE_P(Shapes, ReshapeTest, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Reshape, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, dx;
  };
  std::vector<Got> got;
  for (const auto& t : kCases) {
    Rng rng(500 + got.size());
    const Var x = reshape_input(t, rng);
    const Var y = apply(t, x);
    const Tensor dy = test_support::random_tensor(y.dims(), rng);
    y.backward(dy);
    const std::vector<std::pair<std::string, Tensor>> inputs{{"x", x.data().to_layout(plain_desc(t.dims))}, {"dy", dy}};
    if (t.target.empty())
      torch.add(t.name, "flatten", "{}", inputs);
    else
      torch.add(t.name, "reshape", R"({"dims":)" + dims_str(t.target) + "}", inputs);
    got.push_back({t.name, y.data().to_plain(), x.grad().to_plain()});
  }
  torch.run();
  for (const auto& g : got) {
    EXPECT_EQ(g.y, torch.result(g.id, "y")) << g.id << " y";
    EXPECT_EQ(g.dx, torch.result(g.id, "dx")) << g.id << " dx";
  }
}

TEST(Reshape, BadDimsAreRejected) {
  Rng rng(1);
  const Var x = test_support::random_var({2, 3, 5, 5}, rng);
  test_support::expect_error(
      [&] {
        (void)reshape(x, {2, 70});
      },
      "reshape: dims [2, 70] hold 140 elements, input [2, 3, 5, 5] has 150");
  test_support::expect_error(
      [&] {
        (void)reshape(x, {-1, 7});
      },
      "reshape: cannot infer the -1 in [-1, 7] for 150 elements");
  test_support::expect_error([&] { (void)reshape(x, {-1, -1}); }, "reshape: at most one dim may be -1, got [-1, -1]");
  test_support::expect_error([&] { (void)reshape(x, {0, 150}); }, "reshape: dims must be positive or -1, got [0, 150]");
  test_support::expect_error([&] { (void)flatten(test_support::random_var({6}, rng)); },
                             "flatten: expected input dims (N, d1, ...), got [6]");
}

}  // namespace
}  // namespace minnow
