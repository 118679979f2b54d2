// Folding into a Conv2d for inference: an affine map (each output channel's filter and bias
// scaled and shifted, computed on the plain (OIHW) values into new parameters) and an
// activation (a oneDNN eltwise post-op of the conv primitive).
#include "core/error.h"
#include "models/layers.h"

namespace minnow {

void Conv2d::fold_scale_shift(std::span<const float> scale, std::span<const float> shift) {
  const auto out = static_cast<size_t>(options_.out);
  MINNOW_CHECK(scale.size() == out && shift.size() == out, "Conv2d::fold_scale_shift: expected ", out,
               " scales and shifts (one per output channel), got ", scale.size(), " and ", shift.size());
  MINNOW_CHECK(!weight_transform_, "Conv2d::fold_scale_shift: expected a plain float layer, got one with a weight "
                                   "transform (QAT)");
  std::vector<float> w = weight_.data().to_plain();  // OIHW order, also for an adopted grouped layout
  const size_t per_filter = w.size() / out;
  std::vector<float> b = bias_.defined() ? bias_.data().to_plain() : std::vector<float>(out, 0.0f);
  for (size_t o = 0; o < out; ++o) {
    for (size_t i = 0; i < per_filter; ++i) w[o * per_filter + i] *= scale[o];
    b[o] = scale[o] * b[o] + shift[o];
  }
  const Dims w_dims{options_.out, options_.in / options_.groups, options_.kernel, options_.kernel};
  weight_ = replace_parameter("weight", Tensor::from_plain(w_dims, w));
  const Tensor bias = Tensor::from_plain({options_.out}, b);
  bias_ = bias_.defined() ? replace_parameter("bias", bias) : register_parameter("bias", bias);
  options_.bias = true;
  inference_weights_.clear();  // copies of the old weight
}

void Conv2d::fuse_post_op(ConvPostOp post) {
  MINNOW_CHECK(!op_.post.defined(), "Conv2d::fuse_post_op: the layer already runs an activation inside the conv");
  op_.post = post;
}

}  // namespace minnow
