// Random inputs and the closeness measure used by every numeric comparison.
#include "tests/support/random.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace minnow::test_support {

Tensor random_tensor(const Dims& dims, Rng& rng, float lo, float hi) {
  std::vector<float> values(static_cast<size_t>(product(dims)));
  rng.fill_uniform(values, lo, hi);
  return Tensor::from_plain(dims, values);
}

Var random_var(const Dims& dims, Rng& rng, bool requires_grad, float lo, float hi) {
  return Var(random_tensor(dims, rng, lo, hi), requires_grad);
}

double closeness(const std::vector<float>& a, const std::vector<double>& b, double atol, double rtol) {
  MINNOW_CHECK(a.size() == b.size(), "closeness: sizes differ, ", a.size(), " vs ", b.size());
  double worst = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    const double err = std::abs(static_cast<double>(a[i]) - b[i]) / (atol + rtol * std::abs(b[i]));
    worst = std::max(worst, std::isnan(err) ? INFINITY : err);
  }
  return worst;
}

double closeness(const std::vector<float>& a, const std::vector<float>& b, double atol, double rtol) {
  return closeness(a, std::vector<double>(b.begin(), b.end()), atol, rtol);
}

}  // namespace minnow::test_support
