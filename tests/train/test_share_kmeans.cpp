// cluster_weights (train/share/kmeans.h) against a naive k-means written from the paper's
// description: linear initialisation, every weight to its nearest centroid by a full scan
// (ties to the lower index), every centroid to its members' mean, until no assignment
// changes. Assignments must agree exactly, centroids to float rounding; zeros stay on the
// pinned centroid 0.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/rng.h"
#include "tests/support/errors.h"
#include "train/share/kmeans.h"

namespace minnow {
namespace {

struct Naive {
  std::vector<double> codebook;
  std::vector<int> indices;
};

// The reference in double throughout, over the weights in their own order.
Naive naive_kmeans(const std::vector<float>& w, int bits, int max_iterations) {
  bool has_zero = false;
  double lo = INFINITY, hi = -INFINITY;
  for (const float v : w) {
    if (v == 0.0f) {
      has_zero = true;
      continue;
    }
    lo = std::min(lo, static_cast<double>(v));
    hi = std::max(hi, static_cast<double>(v));
  }
  const int first = has_zero ? 1 : 0;
  const int n = (1 << bits) - first;
  std::vector<double> c(static_cast<size_t>(n));
  for (int j = 0; j < n; ++j)  // the codebook is f32
    c[static_cast<size_t>(j)] = static_cast<float>(n == 1 ? (lo + hi) / 2 : lo + (hi - lo) * j / (n - 1));
  auto assign = [&] {
    std::vector<int> a(w.size(), -1);
    for (size_t i = 0; i < w.size(); ++i) {
      if (w[i] == 0.0f) continue;
      int best = 0;
      for (int j = 1; j < n; ++j)
        if (std::abs(w[i] - c[static_cast<size_t>(j)]) < std::abs(w[i] - c[static_cast<size_t>(best)])) best = j;
      a[i] = best;
    }
    return a;
  };
  std::vector<int> previous;
  for (int it = 0; it < max_iterations; ++it) {
    const std::vector<int> a = assign();
    if (a == previous) break;
    std::vector<double> sum(static_cast<size_t>(n), 0.0);
    std::vector<int> count(static_cast<size_t>(n), 0);
    for (size_t i = 0; i < w.size(); ++i)
      if (a[i] >= 0) sum[static_cast<size_t>(a[i])] += w[i], ++count[static_cast<size_t>(a[i])];
    for (size_t j = 0; j < c.size(); ++j)
      if (count[j] > 0) c[j] = static_cast<float>(sum[j] / count[j]);
    previous = a;
  }
  Naive out;
  out.codebook.assign(static_cast<size_t>(first), 0.0);
  out.codebook.insert(out.codebook.end(), c.begin(), c.end());
  for (const int a : assign()) out.indices.push_back(a < 0 ? 0 : a + first);
  return out;
}

void expect_matches_naive(const std::vector<float>& w, int bits, int max_iterations = 100) {
  const SharedWeights got = cluster_weights(w, bits, max_iterations);
  const Naive want = naive_kmeans(w, bits, max_iterations);
  ASSERT_EQ(got.codebook.size(), want.codebook.size());
  for (size_t j = 0; j < want.codebook.size(); ++j)
    EXPECT_NEAR(got.codebook[j], want.codebook[j], 1e-6 * (1 + std::abs(want.codebook[j]))) << "centroid " << j;
  ASSERT_EQ(got.indices.size(), w.size());
  int mismatches = 0;
  for (size_t i = 0; i < w.size(); ++i) mismatches += got.indices[i] != want.indices[i];
  EXPECT_EQ(mismatches, 0) << "of " << w.size() << " weights at " << bits << " bits";
}

std::vector<float> normal_weights(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> w(n);
  rng.fill_normal(w, 0.0f, 0.1f);
  return w;
}

TEST(ShareKmeans, MatchesNaiveReference) {
  for (const int bits : {1, 2, 3, 4, 5, 8}) expect_matches_naive(normal_weights(3000, 11 + bits), bits);
}

TEST(ShareKmeans, MatchesNaiveReferenceAtTheIterationCap) {
  for (const int cap : {1, 2, 3}) expect_matches_naive(normal_weights(2000, 5), 4, cap);
}

TEST(ShareKmeans, ZerosStayOnThePinnedZero) {
  std::vector<float> w = normal_weights(4000, 21);
  for (size_t i = 0; i < w.size(); i += 3) w[i] = 0.0f;  // a third pruned
  expect_matches_naive(w, 4);
  const SharedWeights s = cluster_weights(w, 4);
  EXPECT_TRUE(s.pinned_zero);
  EXPECT_EQ(s.codebook[0], 0.0f);
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(s.indices[i] == 0, w[i] == 0.0f) << "weight " << i;
  EXPECT_FALSE(cluster_weights(normal_weights(100, 3), 2).pinned_zero);
}

TEST(ShareKmeans, ConvergesAndReproducesDistinctValues) {
  // Four distinct values at 2 bits: k-means from the linear start finds them exactly.
  std::vector<float> w;
  for (int i = 0; i < 400; ++i) w.push_back(std::vector<float>{-0.5f, -0.1f, 0.2f, 0.7f}[static_cast<size_t>(i % 4)]);
  const SharedWeights s = cluster_weights(w, 2);
  EXPECT_LT(s.iterations, 100);
  for (size_t i = 0; i < w.size(); ++i) EXPECT_EQ(s.codebook[s.indices[i]], w[i]);
  EXPECT_EQ(cluster_weights(w, 2).indices, s.indices) << "not deterministic";
}

TEST(ShareKmeans, EdgeCases) {
  const SharedWeights all_zero = cluster_weights(std::vector<float>(10, 0.0f), 3);
  EXPECT_TRUE(all_zero.pinned_zero);
  EXPECT_EQ(all_zero.codebook, std::vector<float>(8, 0.0f));
  EXPECT_EQ(all_zero.indices, std::vector<uint8_t>(10, 0));
  const SharedWeights constant = cluster_weights(std::vector<float>(10, 0.25f), 3);
  EXPECT_EQ(constant.codebook[constant.indices[0]], 0.25f);
  test_support::expect_error([] { cluster_weights(std::vector<float>{1.0f}, 9); },
                             "cluster_weights: bits must be in [1, 8], got 9");
}

}  // namespace
}  // namespace minnow
