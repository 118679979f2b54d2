// ConvBnAct construction: "same" padding for odd kernels, no conv bias (BN has one); and
// its inference fold: with s = gamma / sqrt(running_var + eps), bn(conv(x, w)) equals
// conv(x, s w) + (beta - running_mean s) per output channel.
#include "models/conv_bn_act.h"

#include <cmath>

#include "core/error.h"
#include "core/grad_mode.h"

namespace minnow {
ConvBnAct::ConvBnAct(const Options& o) : Sequential("ConvBnAct") {
  conv_ = add(std::make_shared<Conv2d>(Conv2d::Options{
      .in = o.in, .out = o.out, .kernel = o.kernel, .stride = o.stride, .groups = o.groups, .bias = false}));
  // ReLU runs fused into the batch norm (no parameters, so the names stay torchvision's).
  const bool fuse = o.act == ActivationKind::relu;
  bn_ = add(std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = o.out, .eps = o.bn_eps, .momentum = o.bn_momentum, .fuse_relu = fuse}));
  if (o.act && !fuse) act_ = add(std::make_shared<Activation>(*o.act));
}

void ConvBnAct::fold_for_inference() {
  MINNOW_CHECK(!folded_, "ConvBnAct::fold_for_inference: the block is already folded");
  const std::vector<float> gamma = bn_->weight().data().to_plain(), beta = bn_->bias().data().to_plain();
  const std::vector<float> mean = bn_->running_mean().to_plain(), var = bn_->running_var().to_plain();
  std::vector<float> scale(gamma.size()), shift(gamma.size());
  for (size_t c = 0; c < gamma.size(); ++c) {
    scale[c] = static_cast<float>(gamma[c] / std::sqrt(static_cast<double>(var[c]) + bn_->options().eps));
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  std::optional<ConvPostOp> post;
  if (bn_->options().fuse_relu) post = activation_post_op(ActivationKind::relu);
  else if (act_) post = activation_post_op(act_->kind());
  act_in_conv_ = post.has_value();
  conv_->fold_scale_shift(scale, shift, post.value_or(ConvPostOp{}));
  folded_ = true;
}

Var ConvBnAct::forward_impl(const Var& x) {
  if (!folded_) return Sequential::forward_impl(x);
  MINNOW_CHECK(!training() && !grad_enabled(), "ConvBnAct: a block folded for inference runs only in eval mode "
                                               "without gradients, got ", training() ? "training mode" : "gradients on");
  const Var y = conv_->forward(x);
  return act_ && !act_in_conv_ ? act_->forward(y) : y;
}

}  // namespace minnow
