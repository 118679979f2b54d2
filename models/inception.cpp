// Inception: the four branches' construction and their side-by-side forward.
#include "models/inception.h"

#include "ops/concat.h"

namespace minnow {
namespace {

std::shared_ptr<BasicConv2d> basic_conv(int64_t in, int64_t out, int64_t kernel) {
  return std::make_shared<BasicConv2d>(BasicConv2d::Options{.in = in, .out = out, .kernel = kernel});
}

// A 1x1 reduction to mid channels, then a 3x3 conv to out channels.
std::shared_ptr<Sequential> reduce_then_3x3(int64_t in, int64_t mid, int64_t out) {
  auto branch = std::make_shared<Sequential>();
  branch->add(basic_conv(in, mid, 1));
  branch->add(basic_conv(mid, out, 3));
  return branch;
}

}  // namespace

Inception::Inception(const Options& o) : Module("Inception") {
  branch1_ = register_module("branch1", basic_conv(o.in, o.ch1x1, 1));
  branch2_ = register_module("branch2", reduce_then_3x3(o.in, o.ch3x3red, o.ch3x3));
  branch3_ = register_module("branch3", reduce_then_3x3(o.in, o.ch5x5red, o.ch5x5));
  branch4_ = register_module("branch4", std::make_shared<Sequential>());
  branch4_->add(std::make_shared<MaxPool2d>(Pool2dOptions{.kernel = 3, .stride = 1, .padding = 1, .ceil_mode = true}));
  branch4_->add(basic_conv(o.in, o.pool_proj, 1));
}

Var Inception::forward_impl(const Var& x) {
  return concat({branch1_->forward(x), branch2_->forward(x), branch3_->forward(x),
                 branch4_->forward(x)});  // (N, ch1x1 + ch3x3 + ch5x5 + pool_proj, H, W)
}

OutputForm Inception::output_form() const { return {.kind = OutputForm::Kind::concatenation, .non_negative = true}; }

}  // namespace minnow
