// ShuffleNet v2 unit: builds both branches with torchvision's child indices, and
// the split / concat / shuffle forward.
#include "models/shufflenet_v2_unit.h"

#include "core/error.h"
#include "models/layers.h"
#include "ops/channel_shuffle.h"
#include "ops/concat.h"

namespace minnow {
namespace {

std::shared_ptr<Conv2d> depthwise3x3(int64_t channels, int64_t stride) {
  return std::make_shared<Conv2d>(Conv2d::Options{
      .in = channels, .out = channels, .kernel = 3, .stride = stride, .groups = channels, .bias = false});
}

std::shared_ptr<Conv2d> pointwise(int64_t in, int64_t out) {
  return std::make_shared<Conv2d>(Conv2d::Options{.in = in, .out = out, .kernel = 1, .bias = false});
}

std::shared_ptr<BatchNorm2d> bn(int64_t channels, bool fuse_relu = false) {
  return std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = channels, .fuse_relu = fuse_relu});
}

std::shared_ptr<Activation> relu() { return std::make_shared<Activation>(ActivationKind::relu); }

}  // namespace

ShuffleV2Unit::ShuffleV2Unit(const Options& options) : Module("ShuffleV2Unit"), options_(options) {
  const auto& o = options;
  MINNOW_CHECK(o.stride == 1 || o.stride == 2, "ShuffleV2Unit: expected stride 1 or 2, got ", o.stride);
  MINNOW_CHECK(o.out > 0 && o.out % 2 == 0, "ShuffleV2Unit: expected an even out, got ", o.out);
  MINNOW_CHECK(o.stride == 2 || o.in == o.out,
               "ShuffleV2Unit: a stride-1 unit keeps its width, so in must equal out; got in ", o.in, ", out ", o.out);
  const int64_t half = o.out / 2;
  if (o.stride == 2) {
    branch1_ = register_module("branch1", std::make_shared<Sequential>());
    branch1_->add(depthwise3x3(o.in, 2));
    branch1_->add(bn(o.in));
    branch1_->add(pointwise(o.in, half));
    branch1_->add(bn(half, true));
  }
  branch2_ = register_module("branch2", std::make_shared<Sequential>());
  branch2_entry_ = branch2_->add(pointwise(o.stride == 2 ? o.in : half, half));
  branch2_->add(bn(half));
  branch2_->add(relu());
  branch2_->add(depthwise3x3(half, o.stride));
  branch2_->add(bn(half));
  branch2_->add(pointwise(half, half));
  branch2_->add(bn(half, true));
}

Var ShuffleV2Unit::forward_impl(const Var& x) {
  Var y;  // (N, out, H / stride, W / stride)
  if (options_.stride == 1) {
    // branch2 reads as many channels as its first conv takes and the rest pass: halves, unless
    // channel pruning (models/channel_prune.h) took more from one half than from the other.
    const int64_t branch_in = branch2_entry_->options().in;
    const std::vector<Var> halves = split(x, {x.dims()[1] - branch_in, branch_in});
    y = concat({halves[0], branch2_->forward(halves[1])});
  } else {
    y = concat({branch1_->forward(x), branch2_->forward(x)});
  }
  return channel_shuffle(y, 2);
}

OutputForm ShuffleV2Unit::output_form() const {
  return {.kind = OutputForm::Kind::concatenation, .non_negative = true};
}

}  // namespace minnow
