// ConvBnAct construction ("same" padding for odd kernels, no conv bias: BN has one) and its
// forward, which runs a batch norm and ReLU6 as one op in training.
#include "models/conv_bn_act.h"

#include "core/compute_type.h"
#include "core/trace.h"
#include "models/layer_stats.h"

namespace minnow {

ConvBnAct::ConvBnAct(const Options& o) : Sequential("ConvBnAct") {
  conv_ = add(std::make_shared<Conv2d>(Conv2d::Options{
      .in = o.in, .out = o.out, .kernel = o.kernel, .stride = o.stride, .groups = o.groups, .bias = false}));
  // ReLU runs fused into the batch norm (no parameters, so the names stay torchvision's).
  const bool fuse = o.act == ActivationKind::relu;
  bn_ = add(std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = o.out, .eps = o.bn_eps, .momentum = o.bn_momentum, .fuse_relu = fuse}));
  if (o.act && !fuse) act_ = add(std::make_shared<Activation>(*o.act));
}

bool ConvBnAct::fuses_bn_relu6() const {
  return act_ && act_->kind() == ActivationKind::relu6 && size() == 3 && &(*this)[1] == bn_.get() &&
         &(*this)[2] == act_.get() && !act_->folded() && !act_->has_fused_output_quant() && !act_->has_pre_hooks() &&
         bn_->can_fuse_relu6() && compute_dtype() == DType::f32 && !tracing();
}

Var ConvBnAct::forward_impl(const Var& x) {
  if (!fuses_bn_relu6()) return Sequential::forward_impl(x);
  const Var y = bn_->forward_with_relu6(conv_->forward(x));
  report_layer(*act_, activation_name(act_->kind()), y.dims(), 0);
  return act_->run_forward_hooks(y);  // what the ReLU6's own forward would have handed its hooks
}

}  // namespace minnow
