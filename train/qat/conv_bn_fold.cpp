// The BN fold's two halves: the weight transform (scale, then fake-quantize) and the
// correction 1 / s on the quantized weight.
#include "train/qat/conv_bn_fold.h"

#include <cmath>

#include "core/error.h"
#include "core/grad_mode.h"
#include "ops/channel_scale.h"

namespace minnow {

Tensor bn_fold_scale(const BatchNorm2d& bn) {
  const int64_t channels = bn.options().channels;
  const std::vector<float> gamma = bn.weight().data().to_plain();
  const std::vector<float> var = bn.running_var().to_plain();
  Tensor s = Tensor::zeros({channels});
  for (int64_t c = 0; c < channels; ++c) {
    const float v = gamma[c] / std::sqrt(var[c] + bn.options().eps);
    s.data<float>()[c] = std::abs(v) < 1e-12f ? std::copysign(1e-12f, v) : v;
  }
  return s;
}

void fold_batch_norm(Conv2d& conv, const BatchNorm2d& bn, std::shared_ptr<WeightFakeQuant> quant) {
  const int64_t channels = bn.options().channels;
  MINNOW_CHECK(!conv.bias().defined() && conv.options().out == channels, "fold_batch_norm: expected a conv without bias and ",
               channels, " outputs, got ", conv.options().out, conv.bias().defined() ? " with a bias" : "");
  conv.set_weight_transform([&bn, quant, channels](const Var& w) {
    const Tensor s = bn_fold_scale(bn);  // (C)
    Tensor inverse = Tensor::zeros({channels});
    for (int64_t c = 0; c < channels; ++c) inverse.data<float>()[c] = 1.0f / s.data<float>()[c];
    const Var folded = scale_channels(w, s);  // w s
    return scale_channels(quant ? quant->forward(folded) : folded, inverse);  // fq(w s) / s, the correction
  });
  if (quant) conv.add_module("weight_fake_quant", std::move(quant));
}

FoldedConv fold_conv_bn(const Conv2d& conv, const BatchNorm2d& bn) {
  NoGrad no_grad;
  const Tensor s = bn_fold_scale(bn);  // (O)
  const Conv2d::Options& o = conv.options();
  const Tensor w = Tensor::from_plain({o.out, o.in / o.groups, o.kernel, o.kernel}, conv.weight().data().to_plain());
  FoldedConv out{.weight = scale_channels(Var(w), s).data(), .bias = Tensor::zeros({o.out})};
  const std::vector<float> beta = bn.bias().data().to_plain(), mean = bn.running_mean().to_plain();
  for (int64_t c = 0; c < o.out; ++c) out.bias.data<float>()[c] = beta[c] - s.data<float>()[c] * mean[c];
  return out;
}

}  // namespace minnow
