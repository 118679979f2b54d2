// Pooling forward and backward on oneDNN pooling primitives.
// max: y = max of x over the window (padding never wins); dx routes dy to the
//   argmax, which oneDNN keeps in the workspace.
// avg: y = sum of x over the window / d, dx = dy / d spread over the window, where d is
//   the window clipped to the padded input (count_include_pad, as PyTorch) or the
//   number of real inputs in it.
// PyTorch's ceil_mode becomes a larger bottom/right padding that yields its output size.
#include "ops/pooling.h"

#include <algorithm>

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "core/tape.h"
#include "ops/pool_shape.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::memory;

// Per output position, kernel area / area of the window inside the padded input: (1, 1, OH, OW).
Tensor overhang_rescale(const PoolShape& s) {
  auto inside = [](int64_t start, int64_t k, int64_t limit) { return std::min(start + k, limit) - start; };
  std::vector<float> factor(static_cast<size_t>(s.oh * s.ow));
  for (int64_t i = 0; i < s.oh; ++i)
    for (int64_t j = 0; j < s.ow; ++j)
      factor[static_cast<size_t>(i * s.ow + j)] =
          static_cast<float>(s.kh * s.kw) / static_cast<float>(inside(i * s.sh - s.ph, s.kh, s.h + s.ph) *
                                                               inside(j * s.sw - s.pw, s.kw, s.w + s.pw));
  return Tensor::from_plain({1, 1, s.oh, s.ow}, factor);
}

struct PoolPrimitives {
  dnnl::pooling_forward::primitive_desc fwd_pd;
  dnnl::pooling_forward fwd;
  // Only when the shape overhangs(): y *= rescale, and dy *= rescale before backward.
  Tensor rescale;  // (1, 1, OH, OW)
  dnnl::binary rescale_mul;
  // Built on the first backward.
  dnnl::pooling_backward::primitive_desc bwd_pd;
  dnnl::pooling_backward bwd;
  bool has_backward = false;
};

std::shared_ptr<PoolPrimitives> primitives_for(const PoolShape& s, const memory::desc& x_md, dnnl::prop_kind prop,
                                               bool backward) {
  Key key("pool2d");
  key.add(x_md).add(static_cast<int64_t>(s.alg)).add(s.kh).add(s.kw).add(s.sh).add(s.sw).add(s.ph).add(s.pw)
      .add(s.ph_end).add(s.pw_end).add(static_cast<int64_t>(prop));
  auto p = cached<PoolPrimitives>(key, [&] {
    PoolPrimitives built;
    // dst as format_tag::any: oneDNN gives the output the input's layout.
    dnnl::pooling_forward::desc d(prop, s.alg, x_md, memory::desc(s.dst(), x_md.data_type(), memory::format_tag::any),
                                  s.strides(), s.kernel(), s.pad_begin(), s.pad_end());
    built.fwd_pd = {d, cpu_engine()};
    built.fwd = dnnl::pooling_forward(built.fwd_pd);
    if (s.overhangs()) {
      built.rescale = overhang_rescale(s);
      const memory::desc& y_md = built.fwd_pd.dst_desc();
      built.rescale_mul = dnnl::binary(
          {{dnnl::algorithm::binary_mul, y_md, built.rescale.desc(), y_md}, cpu_engine()});
    }
    return built;
  });
  if (backward && !p->has_backward) {
    dnnl::pooling_backward::desc d(s.alg, x_md, p->fwd_pd.dst_desc(), s.strides(), s.kernel(), s.pad_begin(),
                                   s.pad_end());
    p->bwd_pd = {d, cpu_engine(), p->fwd_pd};
    p->bwd = dnnl::pooling_backward(p->bwd_pd);
    p->has_backward = true;
  }
  return p;
}

void rescale(const PoolPrimitives& p, const Tensor& in, const Tensor& out) {
  execute_primitive(p.rescale_mul, {{DNNL_ARG_SRC_0, in.memory()},
                                    {DNNL_ARG_SRC_1, p.rescale.memory()},
                                    {DNNL_ARG_DST, out.memory()}});
}

// What pooling's backward reads: the primitives, the shape, the argmax workspace (max
// pooling) and the layout dx goes back to.
struct Pool2dSaved {
  std::shared_ptr<PoolPrimitives> p;
  PoolShape s;
  Tensor workspace;  // undefined unless max pooling
  memory::desc x_md;
};

std::vector<Tensor> pool2d_backward(const Pool2dSaved& saved, const std::vector<Tensor>& dy,
                                    const std::vector<bool>& need);

Var pool2d(const char* op, const Var& x, const PoolShape& s) {
  MINNOW_CHECK(x.data().dtype() == DType::f32 || x.data().dtype() == DType::bf16, op,
               ": expected an f32 or bf16 input, got ", dtype_name(x.data().dtype()));
  const bool record = should_record({x});
  const auto prop = record ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  const memory::desc x_md = x.data().desc();
  const auto p = primitives_for(s, x_md, prop, record);

  Tensor y(p->fwd_pd.dst_desc());  // (N, C, OH, OW)
  const bool keeps_workspace = s.alg == dnnl::algorithm::pooling_max && record;
  const Tensor workspace = keeps_workspace ? Tensor(p->fwd_pd.workspace_desc()) : Tensor();  // argmax
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x.data().memory()}, {DNNL_ARG_DST, y.memory()}};
  if (keeps_workspace) args.emplace(DNNL_ARG_WORKSPACE, workspace.memory());
  execute_primitive(p->fwd, args);
  if (s.overhangs()) rescale(*p, y, y);

  if (!record) return record_op(op, {x}, y, nullptr);
  return record_op(op, {x}, y, [saved = Pool2dSaved{p, s, workspace, x_md}](const auto& dy, const auto& need) {
    return pool2d_backward(saved, dy, need);
  });
}

std::vector<Tensor> pool2d_backward(const Pool2dSaved& saved, const std::vector<Tensor>& dy,
                                    const std::vector<bool>&) {
  const PoolPrimitives& p = *saved.p;
  Tensor dy_bwd = dy[0].to_layout(p.bwd_pd.diff_dst_desc());  // (N, C, OH, OW)
  if (saved.s.overhangs()) {
    const Tensor scaled(dy_bwd.desc());
    rescale(p, dy_bwd, scaled);
    dy_bwd = scaled;
  }
  Tensor dx(p.bwd_pd.diff_src_desc());  // (N, C, H, W)
  std::unordered_map<int, memory> args{{DNNL_ARG_DIFF_DST, dy_bwd.memory()}, {DNNL_ARG_DIFF_SRC, dx.memory()}};
  if (saved.workspace.defined()) args.emplace(DNNL_ARG_WORKSPACE, saved.workspace.memory());
  execute_primitive(p.bwd, args);
  return {dx.to_layout(saved.x_md)};
}

}  // namespace

Var max_pool2d(const Var& x, const Pool2dOptions& options) {
  return pool2d("max_pool2d", x, pool_shape("max_pool2d", x.dims(), options, dnnl::algorithm::pooling_max));
}

Var avg_pool2d(const Var& x, const Pool2dOptions& options) {
  const auto alg = options.count_include_pad ? dnnl::algorithm::pooling_avg_include_padding
                                             : dnnl::algorithm::pooling_avg_exclude_padding;
  return pool2d("avg_pool2d", x, pool_shape("avg_pool2d", x.dims(), options, alg));
}

Var global_avg_pool(const Var& x) {
  const Dims xd = x.dims();
  MINNOW_CHECK(xd.size() == 4, "global_avg_pool: expected input dims (N, C, H, W), got ", dims_str(xd));
  const PoolShape s{xd[0], xd[1], xd[2], xd[3], xd[2], xd[3], xd[2], xd[3], 0, 0, 1, 1, 0, 0,
                    dnnl::algorithm::pooling_avg_include_padding};
  return pool2d("global_avg_pool", x, s);
}

}  // namespace minnow
