// The SGD update, elementwise in f32 (scalars rounded to f32 as PyTorch does) over each
// parameter's whole physical buffer so blocked layouts need no reorder, all parameters in
// one parallel pass.
#include "train/sgd.h"

#include <vector>

#include "core/error.h"
#include "train/param_sweep.h"

namespace minnow {

Sgd::Sgd(NamedParams params, SgdOptions options)
    : Optimizer(std::move(params), {"momentum_buffer"}, false, options.no_decay_bn_bias), options_(options) {
  MINNOW_CHECK(options_.momentum >= 0, "sgd: momentum must be >= 0, got ", options_.momentum);
  MINNOW_CHECK(options_.weight_decay >= 0, "sgd: weight_decay must be >= 0, got ", options_.weight_decay);
  MINNOW_CHECK(!options_.nesterov || (options_.momentum > 0 && options_.dampening == 0),
               "sgd: nesterov needs momentum > 0 and dampening 0, got momentum ", options_.momentum, " and dampening ",
               options_.dampening);
}

void Sgd::step(double lr) {
  const auto momentum = static_cast<float>(options_.momentum);
  const auto keep = static_cast<float>(1.0 - options_.dampening);
  const auto neg_lr = static_cast<float>(-lr);
  const bool nesterov = options_.nesterov;

  // Gradients are reordered and momentum buffers created here, on this thread; the update
  // itself is one pass over all parameters (train/param_sweep.h).
  struct Update {
    float* p;
    const float* g;
    float* b;  // null without momentum
    float wd;
    bool first;  // the momentum buffer starts as d
  };
  std::vector<Tensor> grads;
  std::vector<Update> updates;
  std::vector<int64_t> sizes;
  for (size_t i = 0; i < params().size(); ++i) {
    Tensor grad = grad_of(i);
    if (!grad.defined()) continue;
    Update u{.p = params()[i].second.data().f32_buffer().data(),
             .g = grad.f32_buffer().data(),
             .b = nullptr,
             .wd = static_cast<float>(decays(i) ? options_.weight_decay : 0.0),
             .first = false};
    if (momentum != 0.0f) {
      Tensor& buffer = state_of(i).buffers[0];
      u.first = !buffer.defined();
      if (u.first) buffer = Tensor(grad.desc());
      u.b = buffer.f32_buffer().data();
    }
    sizes.push_back(static_cast<int64_t>(grad.f32_buffer().size()));
    updates.push_back(u);
    grads.push_back(std::move(grad));
  }

  sweep_params(sizes, [&](size_t i, int64_t begin, int64_t end) {
    const Update& u = updates[i];
    float* p = u.p;
    const float* g = u.g;
    float* b = u.b;
    const float wd = u.wd;
    if (b == nullptr) {
#pragma omp simd
      for (int64_t k = begin; k < end; ++k) p[k] += neg_lr * (g[k] + wd * p[k]);
      return;
    }
    const bool first = u.first;
#pragma omp simd
    for (int64_t k = begin; k < end; ++k) {
      const float d = g[k] + wd * p[k];
      b[k] = first ? d : b[k] * momentum + keep * d;
      p[k] += neg_lr * (nesterov ? d + momentum * b[k] : b[k]);
    }
  });
}

}  // namespace minnow
