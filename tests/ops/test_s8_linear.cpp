// s8_linear and S8Weights against the definition in double: y = w_scales[o] sum_i x[i] q[o, i] + b[o],
// with the weights transposed and read back bit for bit, and weights that are not scaled integers
// refused.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>

#include "ops/int8/s8_linear.h"
#include "tests/support/errors.h"
#include "core/rng.h"

namespace minnow {
namespace {

// A weight (O, I) of integers in [-127, 127] times a random scale per row, and the scales.
std::pair<Tensor, std::vector<float>> scaled_integers(int64_t out, int64_t in, Rng& rng) {
  std::vector<float> w_scales(static_cast<size_t>(out)), w(static_cast<size_t>(out * in));
  for (float& v : w_scales) v = rng.uniform(0.5f, 1.5f) / 127.f;
  for (size_t k = 0; k < w.size(); ++k)
    w[k] = std::nearbyint(rng.uniform(-127.f, 127.f)) * w_scales[k / static_cast<size_t>(in)];
  return {Tensor::from_plain({out, in}, w), w_scales};
}

TEST(S8Weights, AreTheTransposedIntegersAndGiveTheWeightBack) {
  const std::vector<float> w_scales{0.5f, 0.25f};
  const std::vector<float> w{1.f, -2.f, 63.5f, 0.25f, 0.f, -32.f};  // (2, 3): q = {2, -4, 127}, {1, 0, -128}
  const S8Weights s8 = S8Weights::from(Tensor::from_plain({2, 3}, w), w_scales);
  ASSERT_EQ(s8.q_t.dims(), (Dims{3, 2}));
  ASSERT_EQ(s8.q_t.dtype(), DType::s8);
  const int8_t* q = s8.q_t.data<int8_t>();
  EXPECT_EQ(std::vector<int>(q, q + 6), (std::vector<int>{2, 1, -4, 0, 127, -128}));
  EXPECT_EQ(s8.in(), 3);
  EXPECT_EQ(s8.out(), 2);
  EXPECT_EQ(s8.weight().dims(), (Dims{2, 3}));
  EXPECT_EQ(s8.weight().to_plain(), w);
}

TEST(S8Weights, RefusesWeightsThatAreNotScaledIntegers) {
  const std::vector<float> w{1.f, 0.3f, 2.f, 4.f};  // row 0: 0.3 / 0.5 is not an integer
  test_support::expect_error([&] { (void)S8Weights::from(Tensor::from_plain({2, 2}, w), {0.5f, 1.f}); },
                             "weight [0, 1] = 0.3 is not its row's scale times an integer in [-128, 127]");
  const std::vector<float> big{1.f, 300.f};  // saturates at 127
  test_support::expect_error([&] { (void)S8Weights::from(Tensor::from_plain({1, 2}, big), {1.f}); },
                             "weight [0, 1] = 300");
}

// Small (one thread) and large (threads over outputs, 256 x 512 weights), with and without a bias,
// inputs not a multiple of 8 (the tail after the blocks of 8).
TEST(S8Linear, MatchesTheDefinitionInDouble) {
  struct Case {
    int64_t n, in, out;
    bool bias;
  };
  Rng rng(31);
  for (const Case c : {Case{3, 37, 21, true}, Case{1, 512, 256, true}, Case{2, 8, 5, false}}) {
    SCOPED_TRACE(testing::Message() << c.n << "x" << c.in << " -> " << c.out << (c.bias ? " + bias" : ""));
    const auto [w, w_scales] = scaled_integers(c.out, c.in, rng);
    const S8Weights s8 = S8Weights::from(w, w_scales);
    std::vector<float> x(static_cast<size_t>(c.n * c.in)), b(static_cast<size_t>(c.out));
    rng.fill_uniform(x, -1.f, 1.f);
    rng.fill_uniform(b, -1.f, 1.f);
    const Tensor bias = c.bias ? Tensor::from_plain({c.out}, b) : Tensor();
    const std::vector<float> y = s8_linear(Tensor::from_plain({c.n, c.in}, x), s8, bias).to_plain();
    ASSERT_EQ(y.size(), static_cast<size_t>(c.n * c.out));
    const std::vector<float> wv = w.to_plain();
    for (int64_t s = 0; s < c.n; ++s)
      for (int64_t o = 0; o < c.out; ++o) {
        double ref = c.bias ? b[static_cast<size_t>(o)] : 0.0;
        for (int64_t i = 0; i < c.in; ++i)
          ref += double(wv[static_cast<size_t>(o * c.in + i)]) * x[static_cast<size_t>(s * c.in + i)];
        EXPECT_NEAR(y[static_cast<size_t>(s * c.out + o)], ref, 1e-5 * (1.0 + std::abs(ref))) << s << ", " << o;
      }
  }
}

TEST(S8Linear, RejectsMismatchedInputs) {
  Rng rng(32);
  const auto [w, w_scales] = scaled_integers(4, 6, rng);
  const S8Weights s8 = S8Weights::from(w, w_scales);
  test_support::expect_error([&] { (void)s8_linear(Tensor::zeros({2, 5}), s8, Tensor()); },
                             "expected s8 weights (5, O) and O scales, got [6, 4] and 4");
  test_support::expect_error([&] { (void)s8_linear(Tensor::zeros({2, 6}), s8, Tensor::zeros({3})); },
                             "expected an f32 bias (4) or none, got [3]");
}

}  // namespace
}  // namespace minnow
