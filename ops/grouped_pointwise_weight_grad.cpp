// Both operands move to nhwc (two counted reorders), where group g's channels are a
// strided column block of an (N H W, C) matrix; one GroupProduct (ops/group_product.h) runs
// once per group on views at the group's offsets.
#include "ops/grouped_pointwise_weight_grad.h"

#include "core/error.h"
#include "ops/group_product.h"

namespace minnow {

Tensor grouped_pointwise_weight_grad(const Tensor& x, const Tensor& dy, int64_t groups) {
  const Dims xd = x.dims(), yd = dy.dims();
  MINNOW_CHECK(xd.size() == 4 && yd.size() == 4 && xd[0] == yd[0] && xd[2] == yd[2] && xd[3] == yd[3] &&
                   groups >= 1 && xd[1] % groups == 0 && yd[1] % groups == 0,
               "grouped_pointwise_weight_grad: expected x (N, C, H, W) and dy (N, O, H, W) with groups dividing C "
               "and O, got x ", dims_str(xd), ", dy ", dims_str(yd), ", groups ", groups);
  const int64_t m = xd[0] * xd[2] * xd[3], c = xd[1], o = yd[1], cg = c / groups, og = o / groups;
  // bf16 operands stay bf16 (oneDNN sums their products in f32); anything else is read as f32.
  const DType type = x.dtype() == DType::bf16 && dy.dtype() == DType::bf16 ? DType::bf16 : DType::f32;
  const dt t = to_dnnl(type);
  const Tensor x_nhwc = x.to_layout(dnnl::memory::desc(xd, t, dnnl::memory::format_tag::nhwc));
  const Tensor dy_nhwc = dy.to_layout(dnnl::memory::desc(yd, t, dnnl::memory::format_tag::nhwc));

  // dw_g (og, cg) = a (og, m) b (m, cg): a = dy_g^T, columns of dy's (m, o) matrix.
  const dnnl::memory::desc a_md({og, m}, t, dnnl::memory::dims{1, o});
  const dnnl::memory::desc b_md({m, cg}, t, dnnl::memory::dims{c, 1});
  const dnnl::memory::desc c_md({og, cg}, dt::f32, dnnl::memory::dims{cg, 1});
  const GroupProduct product = make_group_product("grouped_pointwise_weight_grad", a_md, b_md, c_md);
  Tensor dw(plain_desc({o, cg, 1, 1}));  // every element written below
  for (int64_t g = 0; g < groups; ++g) product.run(dy_nhwc, g * og, x_nhwc, g * cg, dw, g * og * cg);
  return dw;
}

}  // namespace minnow
