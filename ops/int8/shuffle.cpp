// int8_channel_shuffle. oneDNN 2.6's shuffle_forward runs its reference kernel on int8
// nhwc (and other layouts without channel blocks), so there the permutation runs as
// one reorder instead: with C = g (C/g), both x and y are views of one 5-D tensor
// T[n, i, j, h, w] = x[:, j (C/g) + i] = y[:, i g + j], whose (i, j) strides are
// (s, (C/g) s) in x and (g s, s) in y for x's channel stride s. Channel-blocked
// layouts (nChw16c) run shuffle_forward (forward_inference) as ops/channel_shuffle.cpp,
// which names the permutation by group_size = C/g.
#include "ops/int8/shuffle.h"

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::memory;

struct ShufflePrimitive {
  bool reorders = false;
  memory::desc from_md, to_md;  // the 5-D views of x and y when reorders
  dnnl::primitive primitive;
  std::string impl;
};

std::shared_ptr<ShufflePrimitive> primitive_for(const QTensor& x, int64_t groups) {
  const Dims d = x.data.dims();
  MINNOW_CHECK(d.size() == 4, "int8_channel_shuffle: expected input dims (N, C, H, W), got ", dims_str(d));
  MINNOW_CHECK(x.data.dtype() == DType::u8 || x.data.dtype() == DType::s8,
               "int8_channel_shuffle: expected a u8 or s8 input, got ", dtype_name(x.data.dtype()));
  MINNOW_CHECK(groups >= 1 && d[1] % groups == 0, "int8_channel_shuffle: groups must be >= 1 and divide the ", d[1],
               " channels of input ", dims_str(d), ", got groups ", groups);
  const memory::desc& x_md = x.data.desc();
  MINNOW_CHECK(x_md.data.format_kind == dnnl_blocked,
               "int8_channel_shuffle: expected an input in a blocked (non-opaque) layout");
  const int64_t group_size = d[1] / groups;
  return cached<ShufflePrimitive>(Key("int8_shuffle").add(x_md).add(group_size), [&] {
    ShufflePrimitive built;
    const auto& blk = x_md.data.format_desc.blocking;
    built.reorders = blk.inner_nblks == 0;
    if (built.reorders) {
      const Dims t{d[0], group_size, groups, d[2], d[3]};  // (N, C/g, g, H, W)
      const int64_t sn = blk.strides[0], s = blk.strides[1], sh = blk.strides[2], sw = blk.strides[3];
      built.from_md = memory::desc(t, x_md.data_type(), {sn, s, group_size * s, sh, sw});
      built.to_md = memory::desc(t, x_md.data_type(), {sn, groups * s, s, sh, sw});
      const dnnl::reorder::primitive_desc pd(cpu_engine(), built.from_md, cpu_engine(), built.to_md);
      built.primitive = dnnl::reorder(pd);
      built.impl = pd.impl_info_str();
    } else {
      const dnnl::shuffle_forward::primitive_desc pd(
          dnnl::shuffle_forward::desc(dnnl::prop_kind::forward_inference, x_md, 1, group_size), cpu_engine());
      built.primitive = dnnl::shuffle_forward(pd);
      built.impl = pd.impl_info_str();
    }
    return built;
  });
}

}  // namespace

QTensor int8_channel_shuffle(const QTensor& x, int64_t groups) {
  const auto p = primitive_for(x, groups);
  Tensor y(x.data.desc());  // (N, C, H, W), x's layout
  if (p->reorders) {
    execute_primitive(p->primitive, {{DNNL_ARG_FROM, memory(p->from_md, cpu_engine(), x.data.raw())},
                                     {DNNL_ARG_TO, memory(p->to_md, cpu_engine(), y.raw())}});
  } else {
    execute_primitive(p->primitive, {{DNNL_ARG_SRC, x.data.memory()}, {DNNL_ARG_DST, y.memory()}});
  }
  return {y, x.scale};
}

std::string int8_channel_shuffle_impl(const QTensor& x, int64_t groups) { return primitive_for(x, groups)->impl; }

}  // namespace minnow
