// The AdamW update, one elementwise pass per parameter in f32 with the bias corrections
// computed in double, over the whole physical buffer (zero padding stays zero).
#include "train/adamw.h"

#include <cmath>

#include "core/error.h"

namespace minnow {

AdamW::AdamW(NamedParams params, AdamWOptions options)
    : Optimizer(std::move(params), {"exp_avg", "exp_avg_sq"}, true, options.no_decay_bn_bias), options_(options) {
  for (const double beta : options_.betas)
    MINNOW_CHECK(beta >= 0 && beta < 1, "adamw: betas must lie in [0, 1), got ", beta);
  MINNOW_CHECK(options_.eps > 0, "adamw: eps must be > 0, got ", options_.eps);
  MINNOW_CHECK(options_.weight_decay >= 0, "adamw: weight_decay must be >= 0, got ", options_.weight_decay);
}

void AdamW::step(double lr) {
  const auto [beta1, beta2] = options_.betas;
  const auto b1 = static_cast<float>(beta1), b2 = static_cast<float>(beta2);
  const auto one_minus_b1 = static_cast<float>(1.0 - beta1), one_minus_b2 = static_cast<float>(1.0 - beta2);
  const auto eps = static_cast<float>(options_.eps);
  for (size_t i = 0; i < params().size(); ++i) {
    const Tensor grad = grad_of(i);
    if (!grad.defined()) continue;
    ParamState& state = state_of(i);
    if (!state.buffers[0].defined()) {
      state.buffers[0] = Tensor::zeros(grad.desc());
      state.buffers[1] = Tensor::zeros(grad.desc());
    }
    const double t = static_cast<double>(++state.step);
    const auto decay = static_cast<float>(1.0 - lr * (decays(i) ? options_.weight_decay : 0.0));
    const auto neg_step_size = static_cast<float>(-lr / (1.0 - std::pow(beta1, t)));
    const auto correction2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(beta2, t)));

    float* p = params()[i].second.data().f32_buffer().data();
    const float* g = grad.f32_buffer().data();
    float* m = state.buffers[0].f32_buffer().data();
    float* v = state.buffers[1].f32_buffer().data();
    const auto n = static_cast<int64_t>(grad.f32_buffer().size());
#pragma omp parallel for simd if (n > 65536)
    for (int64_t k = 0; k < n; ++k) {
      m[k] = m[k] * b1 + one_minus_b1 * g[k];
      v[k] = v[k] * b2 + one_minus_b2 * g[k] * g[k];
      const float denom = std::sqrt(v[k]) / correction2_sqrt + eps;
      p[k] = p[k] * decay + neg_step_size * (m[k] / denom);
    }
  }
}

}  // namespace minnow
