// Layout helpers; every conversion still goes through the counted reorder.
#include "ops/layout.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"
#include "core/reorder.h"

namespace minnow {

dnnl::memory::desc any_desc(const Dims& dims, DType type) {
  return dnnl::memory::desc(dims, to_dnnl(type), dnnl::memory::format_tag::any);
}

dnnl::memory::desc with_dtype(const dnnl::memory::desc& md, DType type) {
  dnnl_memory_desc_t d = md.data;
  d.data_type = static_cast<dnnl_data_type_t>(to_dnnl(type));
  return dnnl::memory::desc(d);
}

dnnl::memory::desc same_format(const dnnl::memory::desc& md, const Dims& dims) {
  const dnnl_memory_desc_t& src = md.data;
  MINNOW_CHECK(src.format_kind == dnnl_blocked && src.ndims == static_cast<int>(dims.size()),
               "same_format: expected a blocked layout with ", dims.size(), " dims, got ", src.ndims, " dims");
  const auto& src_blk = src.format_desc.blocking;
  dnnl_memory_desc_t d{};
  d.ndims = src.ndims;
  d.data_type = src.data_type;
  d.format_kind = dnnl_blocked;
  auto& blk = d.format_desc.blocking;
  blk.inner_nblks = src_blk.inner_nblks;
  Dims block(dims.size(), 1);
  int64_t inner = 1;
  for (int b = 0; b < src_blk.inner_nblks; ++b) {
    blk.inner_blks[b] = src_blk.inner_blks[b];
    blk.inner_idxs[b] = src_blk.inner_idxs[b];
    block[static_cast<size_t>(src_blk.inner_idxs[b])] *= src_blk.inner_blks[b];
    inner *= src_blk.inner_blks[b];
  }
  std::vector<int> order(dims.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return src_blk.strides[a] > src_blk.strides[b]; });
  int64_t stride = inner;
  for (auto it = order.rbegin(); it != order.rend(); ++it) {
    const auto i = static_cast<size_t>(*it);
    d.dims[i] = dims[i];
    d.padded_dims[i] = (dims[i] + block[i] - 1) / block[i] * block[i];
    blk.strides[i] = stride;
    stride *= d.padded_dims[i] / block[i];
  }
  return dnnl::memory::desc(d);
}

bool same_weight_shape(const Dims& a, const Dims& b) {
  if (a == b) return true;
  const Dims& grouped = a.size() == 5 ? a : b;
  const Dims& plain = a.size() == 5 ? b : a;
  return grouped.size() == 5 && plain.size() == 4 && grouped[0] * grouped[1] == plain[0] &&
         Dims(grouped.begin() + 2, grouped.end()) == Dims(plain.begin() + 1, plain.end());
}

Tensor to_desc(const Tensor& t, const dnnl::memory::desc& md) {
  if (t.desc() == md) return t;
  if (t.dims() == md.dims()) return reorder(t, md);
  MINNOW_CHECK(t.numel() == product(md.dims()), "layout: cannot view dims ", dims_str(t.dims()), " as ",
               dims_str(md.dims()));
  const Tensor plain = t.is_plain() ? t : reorder(t, plain_desc(t.dims(), t.dtype()));
  return plain.reshape(md.dims()).to_layout(md);
}

Tensor adopt_layout(const Var& v, const dnnl::memory::desc& md) {
  const Tensor& current = v.data();
  if (current.desc() == md) return current;
  Tensor moved = to_desc(current, md);
  if (v.is_leaf()) {
    const Tensor grad = v.grad();
    v.zero_grad();
    v.set_data(moved);
    if (grad.defined()) v.set_grad(to_desc(grad, md));
  }
  return moved;
}

}  // namespace minnow
