// linear against a double-precision reference loop (forward and backward),
// finite differences and PyTorch's F.linear, with and without bias.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/reorder.h"
#include "ops/linear.h"
#include "ops/primitive_cache.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using test_support::closeness;

struct LinearCase {
  int64_t n, k, m;
  bool bias;
};

const LinearCase kCases[] = {
    {1, 5, 3, true},
    {3, 20, 7, false},
    {3, 64, 10, true},
    {2, 13, 1, true},
};

std::string case_name(const LinearCase& c) {
  return "n" + std::to_string(c.n) + "_k" + std::to_string(c.k) + "_m" + std::to_string(c.m) +
         (c.bias ? "_bias" : "");
}

void PrintTo(const LinearCase& c, std::ostream* out) { *out << case_name(c); }

class LinearTest : public ::testing::TestWithParam<LinearCase> {};

TEST_P(LinearTest, MatchesReferenceForwardAndBackward) {
  const LinearCase c = GetParam();
  Rng rng(31);
  const Var x = test_support::random_var({c.n, c.k}, rng), w = test_support::random_var({c.m, c.k}, rng);
  const Var b = c.bias ? test_support::random_var({c.m}, rng) : Var();
  const Var y = linear(x, w, b);
  const Tensor dy = test_support::random_tensor({c.n, c.m}, rng);
  y.backward(dy);

  // y[i, o] = b[o] + sum_j x[i, j] w[o, j]; dx[i, j] = sum_o dy[i, o] w[o, j];
  // dw[o, j] = sum_i dy[i, o] x[i, j]; db[o] = sum_i dy[i, o].
  const auto xv = x.data().to_plain(), wv = w.data().to_plain(), dyv = dy.to_plain();
  const auto bv = c.bias ? b.data().to_plain() : std::vector<float>(static_cast<size_t>(c.m), 0.0f);
  std::vector<double> y_ref(static_cast<size_t>(c.n * c.m)), dx_ref(xv.size(), 0.0), dw_ref(wv.size(), 0.0),
      db_ref(static_cast<size_t>(c.m), 0.0);
  for (int64_t i = 0; i < c.n; ++i)
    for (int64_t o = 0; o < c.m; ++o) {
      const auto yi = static_cast<size_t>(i * c.m + o);
      double acc = bv[static_cast<size_t>(o)];
      db_ref[static_cast<size_t>(o)] += dyv[yi];
      for (int64_t j = 0; j < c.k; ++j) {
        const auto xi = static_cast<size_t>(i * c.k + j), wi = static_cast<size_t>(o * c.k + j);
        acc += static_cast<double>(xv[xi]) * wv[wi];
        dx_ref[xi] += static_cast<double>(dyv[yi]) * wv[wi];
        dw_ref[wi] += static_cast<double>(dyv[yi]) * xv[xi];
      }
      y_ref[yi] = acc;
    }
  EXPECT_EQ(y.dims(), (Dims{c.n, c.m}));
  EXPECT_LE(closeness(y.data().to_plain(), y_ref, 1e-5, 1e-4), 1.0);
  EXPECT_LE(closeness(x.grad().to_plain(), dx_ref, 1e-5, 1e-4), 1.0);
  EXPECT_LE(closeness(w.grad().to_plain(), dw_ref, 1e-5, 1e-4), 1.0);
  EXPECT_TRUE(w.data().is_plain() && w.grad().is_plain()) << "the weight keeps torch's (M, K) layout";
  if (c.bias) {
    EXPECT_LE(closeness(b.grad().to_plain(), db_ref, 1e-5, 1e-4), 1.0);
  }
}

TEST_P(LinearTest, MatchesFiniteDifferences) {
  const LinearCase c = GetParam();
  Rng rng(37);
  std::vector<Tensor> inputs{test_support::random_tensor({c.n, c.k}, rng),
                             test_support::random_tensor({c.m, c.k}, rng)};
  if (c.bias) inputs.push_back(test_support::random_tensor({c.m}, rng));
  test_support::expect_gradcheck(
      [&](const std::vector<Var>& v) { return linear(v[0], v[1], c.bias ? v[2] : Var()); }, inputs);
}

INSTANTIATE_TEST_SUITE_P(Shapes, LinearTest, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return case_name(param_info.param); });

TEST(Linear, MatchesPyTorch) {
  test_support::TorchParity torch;
  std::vector<std::pair<std::string, std::vector<std::pair<std::string, Tensor>>>> got;  // case: (name, value)
  for (const auto& c : kCases) {
    Rng rng(400 + got.size());
    const Tensor xt = test_support::random_tensor({c.n, c.k}, rng), wt = test_support::random_tensor({c.m, c.k}, rng);
    const Tensor bt = test_support::random_tensor({c.m}, rng), dy = test_support::random_tensor({c.n, c.m}, rng);
    const Var x(xt, true), w(wt, true), b = c.bias ? Var(bt, true) : Var();
    const Var y = linear(x, w, b);
    y.backward(dy);
    std::vector<std::pair<std::string, Tensor>> inputs{{"x", xt}, {"w", wt}, {"dy", dy}};
    std::vector<std::pair<std::string, Tensor>> outputs{{"y", y.data()}, {"dx", x.grad()}, {"dw", w.grad()}};
    if (c.bias) {
      inputs.emplace_back("b", bt);
      outputs.emplace_back("db", b.grad());
    }
    torch.add(case_name(c), "linear", "{}", inputs);
    got.emplace_back(case_name(c), outputs);
  }
  torch.run();
  for (const auto& [id, outputs] : got)
    for (const auto& [name, value] : outputs)
      test_support::expect_matches_torch(value.to_plain(), torch.result(id, name), 1e-5, 1e-4, id + " " + name);
}

TEST(Linear, RepeatedStepBuildsAndReordersNothing) {
  Rng rng(41);
  const Var x = test_support::random_var({3, 20}, rng), w = test_support::random_var({7, 20}, rng);
  const Var b = test_support::random_var({7}, rng);
  const Tensor dy = test_support::random_tensor({3, 7}, rng);
  uint64_t builds = 0, reorders = 0;
  for (int step = 0; step < 2; ++step) {
    builds = primitive_builds();
    reorders = reorder_count();
    linear(x, w, b).backward(dy);
  }
  EXPECT_EQ(primitive_builds(), builds);
  EXPECT_EQ(reorder_count(), reorders);
}

TEST(Linear, BadShapesNameTheArgument) {
  Rng rng(43);
  const Var x = test_support::random_var({3, 20}, rng);
  try {
    (void)linear(x, test_support::random_var({7, 21}, rng), Var());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("linear: expected w of dims (M, 20) for x of dims [3, 20], got [7, 21]"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)linear(test_support::random_var({3, 20, 1, 1}, rng), test_support::random_var({7, 20}, rng),
                            Var()),
               Error);
  EXPECT_THROW((void)linear(x, test_support::random_var({7, 20}, rng), test_support::random_var({6}, rng)), Error);
}

}  // namespace
}  // namespace minnow
