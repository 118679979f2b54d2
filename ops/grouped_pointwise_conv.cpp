// Forward y_g = x_g w_g^T and backward dx_g = dy_g w_g on nhwc views, one cached matmul
// per shape run once per group at the group's offsets; dw_g = dy_g^T x_g is
// grouped_pointwise_weight_grad on the same nhwc copies. With M = N H W rows:
//   x: (M, C), row stride C, group g's columns from g C/G;  y, dy: (M, O), from g O/G;
//   w_g: (O/G, C/G) row-major at g (O/G)(C/G) in the plain OIHW weight.
// In a bf16 scope x, w, y, dy and dx are bf16 (the f32 weight converted at each call, as
// conv2d does) and dw comes back f32.
#include "ops/grouped_pointwise_conv.h"

#include "core/compute_type.h"
#include "core/error.h"
#include "core/tape.h"
#include "ops/group_product.h"
#include "ops/grouped_pointwise_weight_grad.h"
#include "ops/layout.h"

namespace minnow {
namespace {

using dnnl::memory;

memory::desc nhwc(const Dims& dims, DType type) { return {dims, to_dnnl(type), memory::format_tag::nhwc}; }

struct GroupedShape {
  int64_t m, c, o, groups;
  DType act;  // x, w, y, dy and dx: f32, or bf16 in a bf16 scope
  int64_t cg() const { return c / groups; }
  int64_t og() const { return o / groups; }
};

// y_g (M, O/G) = x_g (M, C/G) w_g^T (C/G, O/G).
GroupProduct forward_product(const GroupedShape& s) {
  const dt t = to_dnnl(s.act);
  return make_group_product("grouped_pointwise_fwd", memory::desc({s.m, s.cg()}, t, memory::dims{s.c, 1}),
                            memory::desc({s.cg(), s.og()}, t, memory::dims{1, s.cg()}),
                            memory::desc({s.m, s.og()}, t, memory::dims{s.o, 1}));
}

// dx_g (M, C/G) = dy_g (M, O/G) w_g (O/G, C/G).
GroupProduct backward_data_product(const GroupedShape& s) {
  const dt t = to_dnnl(s.act);
  return make_group_product("grouped_pointwise_bwd_data", memory::desc({s.m, s.og()}, t, memory::dims{s.o, 1}),
                            memory::desc({s.og(), s.cg()}, t, memory::dims{s.cg(), 1}),
                            memory::desc({s.m, s.cg()}, t, memory::dims{s.c, 1}));
}

struct GroupedSaved {
  GroupedShape s;
  Tensor x_nhwc;  // (N, C, H, W)
  Tensor w;       // plain, as the forward read it, in act
  memory::desc x_md, w_md;
};

std::vector<Tensor> grouped_pointwise_backward(const GroupedSaved& saved, const Tensor& dy,
                                               const std::vector<bool>& need) {
  const GroupedShape& s = saved.s;
  const Tensor dy_nhwc = dy.to_layout(nhwc(dy.dims(), s.act));
  std::vector<Tensor> grads(2);  // dx, dw
  if (need[0]) {
    Tensor dx(nhwc(saved.x_nhwc.dims(), s.act));
    const GroupProduct product = backward_data_product(s);
    for (int64_t g = 0; g < s.groups; ++g)
      product.run(dy_nhwc, g * s.og(), saved.w, g * s.og() * s.cg(), dx, g * s.cg());
    grads[0] = dx.to_layout(saved.x_md);
  }
  if (need[1]) grads[1] = to_desc(grouped_pointwise_weight_grad(saved.x_nhwc, dy_nhwc, s.groups), saved.w_md);
  return grads;
}

}  // namespace

bool runs_as_grouped_products(int64_t kernel_h, int64_t kernel_w, int64_t in_channels, bool bias,
                              const Conv2dOptions& options, bool records) {
  const bool pointwise = kernel_h == 1 && kernel_w == 1 && options.stride == 1 && options.padding == 0;
  return records && pointwise && options.groups > 1 && options.groups < in_channels && !bias;
}

Var grouped_pointwise_conv(const Var& x, const Var& w, int64_t groups) {
  const Dims xd = x.dims(), wd = w.dims();
  const bool grouping = wd.size() == 5;  // (G, O / G, C / G, 1, 1)
  MINNOW_CHECK(xd.size() == 4 && (wd.size() == 4 || grouping) && groups >= 1 && xd[1] % groups == 0,
               "grouped_pointwise_conv: expected x (N, C, H, W) and w (O, C/groups, 1, 1) with groups dividing C, got "
               "x ", dims_str(xd), ", w ", dims_str(wd), ", groups ", groups);
  const int64_t o = grouping ? wd[0] * wd[1] : wd[0];
  MINNOW_CHECK(o % groups == 0 && w.data().numel() == o * (xd[1] / groups),
               "grouped_pointwise_conv: expected w (O, C/groups, 1, 1) with groups dividing O, got w ", dims_str(wd),
               " for x ", dims_str(xd), ", groups ", groups);
  const GroupedShape s{xd[0] * xd[2] * xd[3], xd[1], o, groups, compute_dtype()};
  const Dims yd{xd[0], o, xd[2], xd[3]};

  const Tensor x_nhwc = x.data().to_layout(nhwc(xd, s.act));
  const Tensor weights = adopt_layout(w, plain_desc(w.dims())).to_layout(plain_desc(w.dims(), s.act));
  Tensor y_nhwc(nhwc(yd, s.act));
  const GroupProduct product = forward_product(s);
  for (int64_t g = 0; g < groups; ++g)
    product.run(x_nhwc, g * s.cg(), weights, g * s.og() * s.cg(), y_nhwc, g * s.og());
  const Tensor y = y_nhwc.to_layout(with_dtype(same_format(x.data().desc(), yd), s.act));

  if (!should_record({x, w})) return record_op("conv2d", {x, w}, y, nullptr);
  return record_op("conv2d", {x, w}, y,
                   [saved = GroupedSaved{s, x_nhwc, weights, x.data().desc(), w.data().desc()}](
                       const auto& dy, const auto& need) { return grouped_pointwise_backward(saved, dy[0], need); });
}

}  // namespace minnow
