// Both operands move to nhwc (two counted reorders), where group g's channels are a
// strided column block of an (N H W, C) matrix; one cached oneDNN matmul primitive then
// runs once per group on views at the group's offsets.
#include "ops/grouped_pointwise_weight_grad.h"

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "ops/primitive_cache.h"

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
  const auto product = cached<dnnl::matmul>(Key("grouped_pointwise_weight_grad").add(a_md).add(b_md), [&] {
    return dnnl::matmul(dnnl::matmul::primitive_desc(dnnl::matmul::desc(a_md, b_md, c_md), cpu_engine()));
  });
  Tensor dw = Tensor::zeros({o, cg, 1, 1});
  const int64_t size = static_cast<int64_t>(dtype_size(type));
  std::byte* const dy_data = dy_nhwc.data<std::byte>();
  std::byte* const x_data = x_nhwc.data<std::byte>();
  for (int64_t g = 0; g < groups; ++g) {
    const dnnl::memory a(a_md, cpu_engine(), dy_data + g * og * size);
    const dnnl::memory b(b_md, cpu_engine(), x_data + g * cg * size);
    const dnnl::memory out(c_md, cpu_engine(), dw.data<float>() + g * og * cg);
    execute_primitive(*product, {{DNNL_ARG_SRC, a}, {DNNL_ARG_WEIGHTS, b}, {DNNL_ARG_DST, out}});
  }
  return dw;
}

}  // namespace minnow
