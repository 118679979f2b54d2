// The SGD update, one elementwise pass per parameter in f32 (scalars rounded to f32 as
// PyTorch does), over the whole physical buffer so blocked layouts need no reorder.
#include "train/sgd.h"

#include "core/error.h"

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
  for (size_t i = 0; i < params().size(); ++i) {
    const Tensor grad = grad_of(i);
    if (!grad.defined()) continue;
    const auto wd = static_cast<float>(decays(i) ? options_.weight_decay : 0.0);
    float* p = params()[i].second.data().f32_buffer().data();
    const float* g = grad.f32_buffer().data();
    const auto n = static_cast<int64_t>(grad.f32_buffer().size());
    if (momentum == 0.0f) {
#pragma omp parallel for simd if (n > 65536)
      for (int64_t k = 0; k < n; ++k) p[k] += neg_lr * (g[k] + wd * p[k]);
      continue;
    }
    Tensor& buffer = state_of(i).buffers[0];
    const bool first = !buffer.defined();
    if (first) buffer = Tensor(grad.desc());
    float* b = buffer.f32_buffer().data();
#pragma omp parallel for simd if (n > 65536)
    for (int64_t k = 0; k < n; ++k) {
      const float d = g[k] + wd * p[k];
      b[k] = first ? d : b[k] * momentum + keep * d;
      p[k] += neg_lr * (nesterov ? d + momentum * b[k] : b[k]);
    }
  }
}

}  // namespace minnow
