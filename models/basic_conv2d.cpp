// BasicConv2d: construction and forward (conv, then BN with the fused ReLU).
#include "models/basic_conv2d.h"

namespace minnow {

BasicConv2d::BasicConv2d(const Options& o) : Module("BasicConv2d") {
  conv_ =
      register_module("conv", std::make_shared<Conv2d>(Conv2d::Options{
                                  .in = o.in, .out = o.out, .kernel = o.kernel, .stride = o.stride, .bias = false}));
  bn_ = register_module(
      "bn", std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = o.out, .eps = 1e-3f, .fuse_relu = true}));
}

Var BasicConv2d::forward_impl(const Var& x) { return bn_->forward(conv_->forward(x)); }

}  // namespace minnow
