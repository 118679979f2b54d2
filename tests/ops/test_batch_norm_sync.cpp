// Synchronised batch_norm (BatchNormOptions::replica_sum) against the plain op on the whole
// batch: replica A holds the first images and sums its statistics with replica B's, which
// the test computes in double from B's images (forward: count, count * mean, count *
// (var + mean^2); backward: sum dy and sum dy xhat with the global statistics). A's output,
// dx, running statistics, and its dgamma, dbeta plus B's must equal the whole batch's;
// plain and blocked (nChw16c) layouts, with and without the fused ReLU.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/reorder.h"
#include "ops/batch_norm.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

struct SyncCase {
  bool blocked, fuse_relu;
};

// Values of rows [first, first + count) of a plain (N, C, H, W) tensor, as a plain tensor.
Tensor rows(const std::vector<float>& all, const Dims& dims, int64_t first, int64_t count) {
  const int64_t per = dims[1] * dims[2] * dims[3];
  return Tensor::from_plain({count, dims[1], dims[2], dims[3]},
                            std::span<const float>(all.data() + first * per, static_cast<size_t>(count * per)));
}

void expect_near_all(const std::vector<float>& got, const std::vector<float>& want, double tolerance,
                     const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], tolerance) << what << " at " << i;
}

class SyncBatchNorm : public ::testing::TestWithParam<SyncCase> {};

TEST_P(SyncBatchNorm, OneReplicaWithTheOthersSumsComputesTheWholeBatch) {
  const SyncCase p = GetParam();
  const Dims dims{6, 20, 5, 5};
  const int64_t n_a = 4, n_b = 2, c = dims[1], hw = dims[2] * dims[3];
  Rng rng(31);
  const std::vector<float> x_all = test_support::random_tensor(dims, rng, -1.0f, 2.0f).to_plain();
  const std::vector<float> dy_all = test_support::random_tensor(dims, rng, -1.0f, 1.0f).to_plain();
  const Tensor gamma = test_support::random_tensor({c}, rng, 0.5f, 1.5f);
  const Tensor beta = test_support::random_tensor({c}, rng, -0.5f, 0.5f);
  auto layout = [&](const Tensor& t) {
    return p.blocked ? t.to_layout(dnnl::memory::desc(t.dims(), dt::f32, dnnl::memory::format_tag::nChw16c)) : t;
  };
  const BatchNormOptions plain{.fuse_relu = p.fuse_relu};

  // The whole batch, unsynchronised.
  const Tensor rm_all = Tensor::zeros({c}), rv_all = Tensor::full({c}, 1.0f);
  const Var x_full(layout(Tensor::from_plain(dims, x_all)), true);
  const Var g_full(gamma.clone(), true), b_full(beta.clone(), true);
  const Var y_full = batch_norm(x_full, g_full, b_full, rm_all, rv_all, true, plain);
  y_full.backward(layout(Tensor::from_plain(dims, dy_all)));

  // The global statistics in double, and B's sums.
  std::vector<double> mean(c, 0), var(c, 0);
  auto at = [&](const std::vector<float>& v, int64_t n, int64_t ch, int64_t i) {
    return static_cast<double>(v[static_cast<size_t>((n * c + ch) * hw + i)]);
  };
  for (int64_t ch = 0; ch < c; ++ch) {
    for (int64_t n = 0; n < dims[0]; ++n)
      for (int64_t i = 0; i < hw; ++i) mean[ch] += at(x_all, n, ch, i);
    mean[ch] /= static_cast<double>(dims[0] * hw);
    for (int64_t n = 0; n < dims[0]; ++n)
      for (int64_t i = 0; i < hw; ++i) var[ch] += std::pow(at(x_all, n, ch, i) - mean[ch], 2);
    var[ch] /= static_cast<double>(dims[0] * hw);
  }
  const std::vector<float> y_all = y_full.data().to_plain();
  int calls = 0;
  auto replica_sum = [&](std::span<double> values) {
    if (calls++ == 0) {  // forward: [count, count * mean (C), count * (var + mean^2) (C)] of B's images
      ASSERT_EQ(values.size(), static_cast<size_t>(1 + 2 * c));
      values[0] += static_cast<double>(n_b * hw);
      for (int64_t ch = 0; ch < c; ++ch)
        for (int64_t n = n_a; n < dims[0]; ++n)
          for (int64_t i = 0; i < hw; ++i) {
            const double v = at(x_all, n, ch, i);
            values[static_cast<size_t>(1 + ch)] += v;
            values[static_cast<size_t>(1 + c + ch)] += v * v;
          }
      return;
    }
    // backward: [sum g (C), sum g xhat (C)] of B's images, g = dy masked where the fused ReLU clipped
    ASSERT_EQ(values.size(), static_cast<size_t>(2 * c));
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t n = n_a; n < dims[0]; ++n)
        for (int64_t i = 0; i < hw; ++i) {
          const double g = p.fuse_relu && at(y_all, n, ch, i) <= 0 ? 0.0 : at(dy_all, n, ch, i);
          values[static_cast<size_t>(ch)] += g;
          values[static_cast<size_t>(c + ch)] += g * (at(x_all, n, ch, i) - mean[ch]) / std::sqrt(var[ch] + 1e-5);
        }
  };

  const Tensor rm_a = Tensor::zeros({c}), rv_a = Tensor::full({c}, 1.0f);
  const Var x_a(layout(rows(x_all, dims, 0, n_a)), true);
  const Var g_a(gamma.clone(), true), b_a(beta.clone(), true);
  BatchNormOptions synced = plain;
  synced.replica_sum = replica_sum;
  const Var y_a = batch_norm(x_a, g_a, b_a, rm_a, rv_a, true, synced);
  y_a.backward(layout(rows(dy_all, dims, 0, n_a)));
  EXPECT_EQ(calls, 2);

  const std::vector<float> dx_all = x_full.grad().to_plain();
  expect_near_all(y_a.data().to_plain(), rows(y_all, dims, 0, n_a).to_plain(), 1e-5, "y");
  expect_near_all(x_a.grad().to_plain(), rows(dx_all, dims, 0, n_a).to_plain(), 1e-5, "dx");
  expect_near_all(rm_a.to_plain(), rm_all.to_plain(), 1e-6, "running_mean");
  expect_near_all(rv_a.to_plain(), rv_all.to_plain(), 1e-6, "running_var");
  // A's dgamma and dbeta are its own part of the sums: B's part added gives the whole batch's.
  std::vector<float> dgamma = g_a.grad().to_plain(), dbeta = b_a.grad().to_plain();
  for (int64_t ch = 0; ch < c; ++ch)
    for (int64_t n = n_a; n < dims[0]; ++n)
      for (int64_t i = 0; i < hw; ++i) {
        const double g = p.fuse_relu && at(y_all, n, ch, i) <= 0 ? 0.0 : at(dy_all, n, ch, i);
        dbeta[static_cast<size_t>(ch)] += static_cast<float>(g);
        dgamma[static_cast<size_t>(ch)] +=
            static_cast<float>(g * (at(x_all, n, ch, i) - mean[ch]) / std::sqrt(var[ch] + 1e-5));
      }
  expect_near_all(dgamma, g_full.grad().to_plain(), 1e-4, "dgamma");
  expect_near_all(dbeta, b_full.grad().to_plain(), 1e-4, "dbeta");
}

INSTANTIATE_TEST_SUITE_P(Layouts, SyncBatchNorm,
                         ::testing::Values(SyncCase{false, false}, SyncCase{true, false}, SyncCase{false, true},
                                           SyncCase{true, true}),
                         [](const auto& param_info) {
                           return std::string(param_info.param.blocked ? "Blocked" : "Plain") +
                                  (param_info.param.fuse_relu ? "Relu" : "");
                         });

TEST(SyncBatchNormErrors, NeedsAnAffinePart) {
  const Tensor x = Tensor::full({2, 3, 2, 2}, 1.0f);
  BatchNormOptions options;
  options.replica_sum = [](std::span<double>) {};
  try {
    batch_norm(Var(x), Var(), Var(), Tensor(), Tensor(), true, options);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("synchronised statistics need gamma and beta"), std::string::npos);
  }
}

}  // namespace
}  // namespace minnow
