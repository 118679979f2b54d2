// WeightMask: the buffer, its copies in the weight's and gradient's layouts, and the
// helpers that keep mask tensors out of exports and bare-model loads.
#include "train/prune/weight_mask.h"

#include <algorithm>

#include "core/error.h"

namespace minnow {

WeightMask::WeightMask(const Dims& weight_dims) : Module("WeightMask") {
  mask_ = register_buffer("weight_mask", Tensor::full(weight_dims, 1.0f));
}

void WeightMask::set_mask(const std::vector<float>& values) {
  const std::span<float> mask = mask_.f32_buffer();
  MINNOW_CHECK(values.size() == mask.size(), "WeightMask::set_mask: expected ", mask.size(), " values, got ",
               values.size());
  std::copy(values.begin(), values.end(), mask.begin());
  refresh();
}

const Tensor& WeightMask::in_layout(const Tensor& like) {
  for (const Tensor& t : in_layouts_)
    if (t.desc() == like.desc()) return t;
  // A grouped conv keeps its weight as (G, O / G, I / G, kH, kW): the same entries in the same order.
  return in_layouts_.emplace_back(mask_.reshape(like.dims()).to_layout(like.desc()));
}

void WeightMask::multiply(const Tensor& from, const Tensor& into) {
  MINNOW_CHECK(from.numel() == mask_.numel() && from.desc() == into.desc() && from.dtype() == DType::f32,
               "WeightMask: expected f32 tensors of ", mask_.numel(), " entries (", dims_str(mask_.dims()),
               ") in one layout, got ", dims_str(from.dims()), " ", dtype_name(from.dtype()));
  const float* m = in_layout(from).f32_buffer().data();
  const float* x = from.f32_buffer().data();
  float* y = into.f32_buffer().data();
  const auto n = static_cast<int64_t>(from.f32_buffer().size());
#pragma omp parallel for simd if (n > 65536)
  for (int64_t k = 0; k < n; ++k) y[k] = x[k] * m[k];
}

Var WeightMask::forward_impl(const Var& x) {
  (void)x;
  MINNOW_FAIL("WeightMask: a pruning mask holder has no forward; its layer applies the mask");
}

bool is_mask_tensor(const std::string& name, const std::string& prefix) {
  const std::string suffix = std::string(".") + kPruningName + ".weight_mask";
  return name.starts_with(prefix) && name.ends_with(suffix);
}

void drop_absent_masks(SafeTensors& file, Module& model, const std::string& prefix) {
  for (const auto& [name, module] : model.named_modules())
    if (dynamic_cast<WeightMask*>(module) != nullptr) return;
  std::erase_if(file.tensors, [&](const auto& entry) { return is_mask_tensor(entry.first, prefix); });
}

}  // namespace minnow
