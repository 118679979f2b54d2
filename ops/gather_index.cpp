// gather_by_index forward and backward side by side. The backward sums in double, in index
// order, so the codebook's gradient does not depend on thread count.
#include "ops/gather_index.h"

#include <algorithm>
#include <vector>

#include "core/error.h"
#include "core/tape.h"

namespace minnow {
namespace {

// What gather_by_index's backward reads: the indices and the codebook's descriptor.
struct GatherSaved {
  Tensor indices;  // u8, plain
  int64_t k;       // the codebook's size
  dnnl::memory::desc codebook_md;
};

std::vector<Tensor> gather_by_index_backward(const GatherSaved& saved, const std::vector<Tensor>& dy,
                                             const std::vector<bool>& need);

}  // namespace

Var gather_by_index(const Var& codebook, const Tensor& indices) {
  const char* op = "gather_by_index";
  MINNOW_CHECK(codebook.dims().size() == 1 && codebook.data().dtype() == DType::f32, op,
               ": codebook must be (K) f32, got ", dims_str(codebook.dims()), " ", dtype_name(codebook.data().dtype()));
  MINNOW_CHECK(indices.dtype() == DType::u8 && indices.is_plain(), op, ": indices must be plain u8, got ",
               dims_str(indices.dims()), " ", dtype_name(indices.dtype()),
               indices.is_plain() ? "" : " in a blocked layout");
  const int64_t k = codebook.dims()[0];
  const Tensor book = codebook.data().to_layout(plain_desc({k}, DType::f32));
  const float* c = book.data<float>();
  const uint8_t* idx = indices.data<uint8_t>();
  const int64_t n = indices.numel();
  uint8_t largest = 0;
  for (int64_t i = 0; i < n; ++i) largest = std::max(largest, idx[i]);
  MINNOW_CHECK(n == 0 || largest < k, op, ": indices must be < ", k, " (the codebook's size), got ",
               static_cast<int>(largest));
  Tensor y(plain_desc(indices.dims(), DType::f32));  // (indices' dims)
  float* py = y.data<float>();
  for (int64_t i = 0; i < n; ++i) py[i] = c[idx[i]];
  if (!should_record({codebook})) return record_op(op, {codebook}, y, nullptr);
  return record_op(op, {codebook}, y,
                   [saved = GatherSaved{indices, k, codebook.data().desc()}](const auto& dy, const auto& need) {
                     return gather_by_index_backward(saved, dy, need);
                   });
}

namespace {

std::vector<Tensor> gather_by_index_backward(const GatherSaved& saved, const std::vector<Tensor>& dy,
                                             const std::vector<bool>&) {
  const Tensor dy_plain = dy[0].to_layout(plain_desc(saved.indices.dims(), DType::f32));
  const float* g = dy_plain.data<float>();
  const uint8_t* idx = saved.indices.data<uint8_t>();
  std::vector<double> sums(static_cast<size_t>(saved.k), 0.0);
  for (int64_t i = 0; i < saved.indices.numel(); ++i) sums[idx[i]] += g[i];
  std::vector<float> dcodebook(sums.begin(), sums.end());  // (K)
  return {Tensor::from_plain({saved.k}, dcodebook).to_layout(saved.codebook_md)};
}

}  // namespace

}  // namespace minnow
