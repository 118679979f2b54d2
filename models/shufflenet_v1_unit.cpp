// ShuffleNet v1 unit: construction checks the channel arithmetic, forward runs
// the bottleneck branch and joins it with the shortcut by add or concat.
#include "models/shufflenet_v1_unit.h"

#include "core/error.h"
#include "ops/binary.h"
#include "ops/channel_shuffle.h"
#include "ops/concat.h"

namespace minnow {

ShuffleV1Unit::ShuffleV1Unit(const Options& options) : Module("ShuffleV1Unit"), options_(options) {
  const auto& o = options;
  MINNOW_CHECK(o.stride == 1 || o.stride == 2, "ShuffleV1Unit: expected stride 1 or 2, got ", o.stride);
  MINNOW_CHECK(o.stride == 2 || o.in == o.out,
               "ShuffleV1Unit: a stride-1 unit adds its input, so in must equal out; got in ", o.in, ", out ", o.out);
  const int64_t branch = o.stride == 1 ? o.out : o.out - o.in;
  MINNOW_CHECK(branch > 0 && o.mid > 0 && o.groups > 0 && o.mid % o.groups == 0 && branch % o.groups == 0,
               "ShuffleV1Unit: expected mid and the branch's output channels to be positive multiples of groups ",
               o.groups, ", got mid ", o.mid, ", branch ", branch, " (in ", o.in, ", out ", o.out, ", stride ",
               o.stride, ")");
  const int64_t first_groups = o.group_first_conv ? o.groups : 1;
  conv1_ = register_module("conv1", std::make_shared<Conv2d>(Conv2d::Options{
                                        .in = o.in, .out = o.mid, .kernel = 1, .groups = first_groups, .bias = false}));
  bn1_ =
      register_module("bn1", std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = o.mid, .fuse_relu = true}));
  conv2_ = register_module(
      "conv2", std::make_shared<Conv2d>(Conv2d::Options{
                   .in = o.mid, .out = o.mid, .kernel = 3, .stride = o.stride, .groups = o.mid, .bias = false}));
  bn2_ = register_module("bn2", std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = o.mid}));
  conv3_ = register_module("conv3", std::make_shared<Conv2d>(Conv2d::Options{
                                        .in = o.mid, .out = branch, .kernel = 1, .groups = o.groups, .bias = false}));
  bn3_ = register_module("bn3", std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = branch}));
  if (o.stride == 2)
    shortcut_ =
        register_module("shortcut", std::make_shared<AvgPool2d>(Pool2dOptions{.kernel = 3, .stride = 2, .padding = 1}));
  relu_ = register_module("relu", std::make_shared<Activation>(ActivationKind::relu));
}

Var ShuffleV1Unit::forward_impl(const Var& x) {
  Var y = bn1_->forward(conv1_->forward(x));  // (N, mid, H, W), after ReLU
  if (options_.group_first_conv && options_.groups > 1) y = channel_shuffle(y, options_.groups);
  y = bn2_->forward(conv2_->forward(y));  // (N, mid, H / stride, W / stride)
  y = bn3_->forward(conv3_->forward(y));  // (N, branch, H / stride, W / stride)
  y = options_.stride == 1 ? add(x, y) : concat({shortcut_->forward(x), y});
  return relu_->forward(y);  // (N, out, H / stride, W / stride)
}

OutputForm ShuffleV1Unit::output_form() const {
  return {.kind = options_.stride == 1 ? OutputForm::Kind::residual_sum : OutputForm::Kind::concatenation,
          .then = relu_.get(),
          .non_negative = true};
}

}  // namespace minnow
