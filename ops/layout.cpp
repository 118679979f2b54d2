// Layout helpers; every conversion still goes through the counted reorder.
#include "ops/layout.h"

#include "core/error.h"
#include "core/reorder.h"

namespace minnow {

dnnl::memory::desc any_desc(const Dims& dims) {
  return dnnl::memory::desc(dims, dt::f32, dnnl::memory::format_tag::any);
}

dnnl::memory::desc with_dtype(const dnnl::memory::desc& md, DType type) {
  dnnl_memory_desc_t d = md.data;
  d.data_type = static_cast<dnnl_data_type_t>(to_dnnl(type));
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
