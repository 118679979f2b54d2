// Central-difference Jacobian check on a random projection of the output.
#include "tests/support/gradcheck.h"

#include <gtest/gtest.h>

#include <cmath>

#include "core/grad_mode.h"
#include "core/rng.h"

namespace minnow::test_support {
namespace {

double projected(const OpFn& fn, const std::vector<Tensor>& inputs, const std::vector<float>& r) {
  NoGrad no_grad;
  std::vector<Var> vars;
  for (const auto& t : inputs) vars.emplace_back(t.clone(), false);
  const std::vector<float> y = fn(vars).data().to_plain();
  double sum = 0;
  for (size_t i = 0; i < y.size(); ++i) sum += static_cast<double>(y[i]) * r[i];
  return sum;
}

}  // namespace

void expect_gradcheck(const OpFn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& o) {
  Rng rng(1234);
  std::vector<Var> vars;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const bool check = o.check_input.empty() || o.check_input[i];
    vars.emplace_back(inputs[i].clone(), check);
  }
  const Var y = fn(vars);
  std::vector<float> r(static_cast<size_t>(y.data().numel()));
  rng.fill_uniform(r, -1.0f, 1.0f);
  y.backward(Tensor::from_plain(y.dims(), r).to_layout(y.data().desc()));

  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!vars[i].requires_grad()) continue;
    ASSERT_TRUE(vars[i].grad().defined()) << "input " << i << " received no gradient";
    const std::vector<float> analytic = vars[i].grad().to_plain();
    std::vector<float> base = inputs[i].to_plain();
    const size_t n = base.size();
    const size_t checks = o.max_elements > 0 ? std::min(n, static_cast<size_t>(o.max_elements)) : n;
    int skipped = 0;
    for (size_t c = 0; c < checks; ++c) {
      const size_t j = checks == n ? c : static_cast<size_t>(rng.below(n));
      std::vector<Tensor> probe = inputs;
      auto eval_at = [&](float delta) {
        std::vector<float> moved = base;
        moved[j] += delta;
        probe[i] = Tensor::from_plain(inputs[i].dims(), moved);
        return projected(fn, probe, r);
      };
      const double eps = o.eps;
      const double up = eval_at(static_cast<float>(eps)), down = eval_at(static_cast<float>(-eps));
      const double numeric = (up - down) / (2 * eps);
      if (o.kink_tolerance > 0) {
        const double mid = eval_at(0.0f);
        const double right = (up - mid) / eps, left = (mid - down) / eps;
        if (std::abs(right - left) > o.kink_tolerance * (std::abs(right) + std::abs(left)) + o.atol) {
          ++skipped;
          continue;
        }
      }
      EXPECT_NEAR(analytic[j], numeric, o.atol + o.rtol * std::abs(numeric))
          << "input " << i << " element " << j;
    }
    EXPECT_LT(skipped, static_cast<int>(checks) / 2 + 1) << "input " << i << ": too many kinks skipped";
  }
}

}  // namespace minnow::test_support
