// 1-D Lloyd on sorted weights: with sorted centroids every cluster is a contiguous run of the
// sorted weights, so an assignment is the n - 1 run boundaries (found by binary search) and an
// update sums each run once. Centroids stay sorted: a cluster's members lie between the
// midpoints to its neighbours, and so does their mean.
#include "train/share/kmeans.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "core/error.h"

namespace minnow {
namespace {

using Sorted = std::vector<std::pair<float, size_t>>;  // (weight, position in the layer)

// Whether w is strictly nearer to c[b + 1] than to c[b] (a tie keeps the lower index).
bool nearer_above(float w, const std::vector<float>& c, size_t b) {
  return std::abs(static_cast<double>(w) - c[b + 1]) < std::abs(static_cast<double>(w) - c[b]);
}

// ends[j]: one past cluster j's last sorted weight (clusters are consecutive runs).
std::vector<size_t> assign(const Sorted& sorted, const std::vector<float>& c) {
  std::vector<size_t> ends(c.size());
  for (size_t b = 0; b + 1 < c.size(); ++b)
    ends[b] = static_cast<size_t>(std::partition_point(sorted.begin(), sorted.end(),
                                                       [&](const auto& v) { return !nearer_above(v.first, c, b); }) -
                                  sorted.begin());
  ends.back() = sorted.size();
  return ends;
}

// Each non-empty cluster's mean (summed in double, in sorted order); empty ones keep theirs.
void update(const Sorted& sorted, const std::vector<size_t>& ends, std::vector<float>& c) {
  size_t begin = 0;
  for (size_t j = 0; j < c.size(); ++j) {
    if (ends[j] > begin) {
      double sum = 0;
      for (size_t i = begin; i < ends[j]; ++i) sum += sorted[i].first;
      c[j] = static_cast<float>(sum / static_cast<double>(ends[j] - begin));
    }
    begin = std::max(begin, ends[j]);
  }
}

// n centroids evenly spaced over [lo, hi]; one centroid sits at the middle.
std::vector<float> linear_init(float lo, float hi, size_t n) {
  std::vector<float> c(n);
  for (size_t j = 0; j < n; ++j) {
    const double t = n == 1 ? 0.5 : static_cast<double>(j) / static_cast<double>(n - 1);
    c[j] = static_cast<float>(lo + (static_cast<double>(hi) - lo) * t);
  }
  return c;
}

}  // namespace

SharedWeights cluster_weights(std::span<const float> weights, int bits, int max_iterations) {
  MINNOW_CHECK(bits >= 1 && bits <= 8, "cluster_weights: bits must be in [1, 8], got ", bits);
  MINNOW_CHECK(max_iterations >= 1, "cluster_weights: max_iterations must be >= 1, got ", max_iterations);
  Sorted sorted;
  sorted.reserve(weights.size());
  for (size_t i = 0; i < weights.size(); ++i)
    if (weights[i] != 0.0f) sorted.emplace_back(weights[i], i);
  std::sort(sorted.begin(), sorted.end());

  SharedWeights out;
  out.pinned_zero = sorted.size() < weights.size();
  const size_t first = out.pinned_zero ? 1 : 0;  // centroid 0 is the pinned zero
  const size_t n = (size_t{1} << bits) - first;
  std::vector<float> c =
      sorted.empty() ? std::vector<float>(n, 0.0f) : linear_init(sorted.front().first, sorted.back().first, n);
  std::vector<size_t> ends, previous;
  for (int it = 0; it < max_iterations; ++it) {
    ends = assign(sorted, c);
    if (ends == previous) break;
    update(sorted, ends, c);
    previous = ends;
    ++out.iterations;
  }
  ends = assign(sorted, c);

  out.codebook.assign(first, 0.0f);
  out.codebook.insert(out.codebook.end(), c.begin(), c.end());
  out.indices.assign(weights.size(), 0);
  size_t begin = 0;
  for (size_t j = 0; j < n; ++j) {
    for (size_t i = begin; i < ends[j]; ++i) out.indices[sorted[i].second] = static_cast<uint8_t>(j + first);
    begin = std::max(begin, ends[j]);
  }
  return out;
}

}  // namespace minnow
