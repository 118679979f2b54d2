// The AdamW update, elementwise in f32 with the bias corrections computed in double, over
// each parameter's whole physical buffer (zero padding stays zero), all parameters in one
// parallel pass.
#include "train/adamw.h"

#include <cmath>
#include <vector>

#include "core/error.h"
#include "train/param_sweep.h"

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

  // State and per-parameter scalars are set up here, on this thread; the update itself is
  // one pass over all parameters (train/param_sweep.h).
  struct Update {
    float* p;
    const float* g;
    float* m;
    float* v;
    float decay;
    float neg_step_size;
    float correction2_sqrt;
  };
  std::vector<Tensor> grads;
  std::vector<Update> updates;
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < params().size(); ++i) {
    Tensor grad = grad_of(i);
    if (!grad.defined()) continue;
    ParamState& state = state_of(i);
    if (!state.buffers[0].defined()) {
      state.buffers[0] = Tensor::zeros(grad.desc());
      state.buffers[1] = Tensor::zeros(grad.desc());
    }
    const double t = static_cast<double>(++state.step);
    updates.push_back({.p = params()[i].second.data().f32_buffer().data(),
                       .g = grad.f32_buffer().data(),
                       .m = state.buffers[0].f32_buffer().data(),
                       .v = state.buffers[1].f32_buffer().data(),
                       .decay = static_cast<float>(1.0 - lr * (decays(i) ? options_.weight_decay : 0.0)),
                       .neg_step_size = static_cast<float>(-lr / (1.0 - std::pow(beta1, t))),
                       .correction2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(beta2, t)))});
    sizes.push_back(static_cast<int64_t>(grad.f32_buffer().size()));
    grads.push_back(std::move(grad));
  }

  sweep_params(sizes, [&](size_t i, int64_t begin, int64_t end) {
    const Update& u = updates[i];
    float* p = u.p;
    const float* g = u.g;
    float* m = u.m;
    float* v = u.v;
    const float decay = u.decay, neg_step_size = u.neg_step_size, correction2_sqrt = u.correction2_sqrt;
#pragma omp simd
    for (int64_t k = begin; k < end; ++k) {
      m[k] = m[k] * b1 + one_minus_b1 * g[k];
      v[k] = v[k] * b2 + one_minus_b2 * g[k] * g[k];
      const float denom = std::sqrt(v[k]) / correction2_sqrt + eps;
      p[k] = p[k] * decay + neg_step_size * (m[k] / denom);
    }
  });
}

}  // namespace minnow
