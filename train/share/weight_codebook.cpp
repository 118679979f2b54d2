// WeightCodebook's clustering, gather and pinned-zero gradient.
#include "train/share/weight_codebook.h"

#include <cstring>

#include "core/error.h"
#include "core/grad_mode.h"
#include "ops/gather_index.h"
#include "train/share/kmeans.h"

namespace minnow {

WeightCodebook::WeightCodebook(const Dims& weight_dims, int bits) : Module("WeightCodebook"), bits_(bits) {
  MINNOW_CHECK(bits >= 1 && bits <= 8, "WeightCodebook: bits must be in [1, 8], got ", bits);
  codebook_ = register_parameter("codebook", Tensor::zeros({int64_t{1} << bits}));
  indices_ = register_buffer("indices", Tensor::zeros(weight_dims, DType::u8));
  clustered_ = register_buffer("clustered", Tensor::zeros({1}, DType::u8));
  pinned_zero_ = register_buffer("pinned_zero", Tensor::zeros({1}, DType::u8));
}

void WeightCodebook::cluster(const Tensor& weight) {
  // A grouped conv may hold its weight as (groups, out / groups, ...): the same values in the same order.
  MINNOW_CHECK(weight.numel() == indices_.numel(), "WeightCodebook: weight dims ", dims_str(weight.dims()),
               ", expected ", dims_str(indices_.dims()));
  const std::vector<float> values = weight.to_plain();
  const SharedWeights shared = cluster_weights(values, bits_);
  codebook_.set_data(Tensor::from_plain(codebook_.dims(), shared.codebook));
  std::memcpy(indices_.raw(), shared.indices.data(), shared.indices.size());
  *pinned_zero_.data<uint8_t>() = shared.pinned_zero ? 1 : 0;
  *clustered_.data<uint8_t>() = 1;
}

Tensor WeightCodebook::shared_weight() const {
  const NoGrad no_grad;
  return gather_by_index(codebook_, indices_).data();
}

void WeightCodebook::drop_pinned_gradient() const {
  if (!pinned_zero() || !codebook_.grad().defined()) return;
  std::vector<float> grad = codebook_.grad().to_plain();  // (2^bits)
  grad[0] = 0.0f;
  codebook_.set_grad(Tensor::from_plain(codebook_.dims(), grad).to_layout(codebook_.grad().desc()));
}

Var WeightCodebook::forward_impl(const Var& weight) {
  if (!clustered()) return weight;  // a float layer until clustered
  MINNOW_CHECK(weight.dims() == indices_.dims(), "WeightCodebook: weight dims ", dims_str(weight.dims()), ", expected ",
               dims_str(indices_.dims()));
  return gather_by_index(codebook_, indices_);
}

}  // namespace minnow
