// channel_shuffle forward and backward on oneDNN's shuffle primitives, on x's own layout.
// y[:, i g + j] = x[:, j (C/g) + i] for g groups; dx[:, j (C/g) + i] = dy[:, i g + j].
// oneDNN names the same permutation by group_size = C/g (its "groups" are our C/g channels).
// oneDNN 2.6's shuffle writes past the end of its output for bf16 in layouts that block the
// channels by 8 or 4 (aBcd8b, aBcd4b: ShuffleNet v1's grouped 1x1 convs give those in bf16; a
// guard page after each buffer caught it); a bf16 input in such a layout is shuffled in nChw16c.
#include "ops/channel_shuffle.h"

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "core/tape.h"
#include "core/trace.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

struct ShufflePrimitives {
  dnnl::shuffle_forward::primitive_desc fwd_pd;
  dnnl::shuffle_forward fwd;
  // Built on the first recording forward.
  dnnl::shuffle_backward bwd;
  bool has_backward = false;
};

std::shared_ptr<ShufflePrimitives> primitives_for(const dnnl::memory::desc& x_md, int64_t group_size,
                                                  dnnl::prop_kind prop, bool backward) {
  const auto p =
      cached<ShufflePrimitives>(Key("channel_shuffle").add(x_md).add(group_size).add(static_cast<int64_t>(prop)), [&] {
        ShufflePrimitives built;
        built.fwd_pd = {dnnl::shuffle_forward::desc(prop, x_md, 1, group_size), cpu_engine()};
        built.fwd = dnnl::shuffle_forward(built.fwd_pd);
        return built;
      });
  if (backward && !p->has_backward) {
    const dnnl::shuffle_backward::primitive_desc bwd_pd(dnnl::shuffle_backward::desc(x_md, 1, group_size), cpu_engine(),
                                                        p->fwd_pd);
    p->bwd = dnnl::shuffle_backward(bwd_pd);
    p->has_backward = true;
  }
  return p;
}

// The layout the shuffle runs in for an input of x_md (see the file comment).
dnnl::memory::desc run_desc(const dnnl::memory::desc& x_md) {
  const auto& d = x_md.data;
  const auto& blocking = d.format_desc.blocking;
  const bool channel_blocks_below_16 = d.format_kind == dnnl_blocked && blocking.inner_nblks > 0 && blocking.inner_blks[0] < 16;
  if (x_md.data_type() != dt::bf16 || d.ndims != 4 || !channel_blocks_below_16) return x_md;
  return dnnl::memory::desc(x_md.dims(), dt::bf16, dnnl::memory::format_tag::nChw16c);
}

// What channel_shuffle's backward reads: the primitives, the layout they run in and x's own.
struct ChannelShuffleSaved {
  std::shared_ptr<ShufflePrimitives> p;
  dnnl::memory::desc run_md, x_md;
};

std::vector<Tensor> channel_shuffle_backward(const ChannelShuffleSaved& saved, const std::vector<Tensor>& dy,
                                             const std::vector<bool>& need);

}  // namespace

Var channel_shuffle(const Var& x, int64_t groups) {
  const Dims dims = x.dims();
  MINNOW_CHECK(dims.size() == 4, "channel_shuffle: expected input dims (N, C, H, W), got ", dims_str(dims));
  MINNOW_CHECK(groups >= 1 && dims[1] % groups == 0, "channel_shuffle: groups must be >= 1 and divide the ", dims[1],
               " channels of input ", dims_str(dims), ", got groups ", groups);
  const bool record = should_record({x});
  const auto prop = record ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  const dnnl::memory::desc x_md = x.data().desc(), run_md = run_desc(x_md);
  const auto p = primitives_for(run_md, dims[1] / groups, prop, record);

  const Tensor src = x.data().to_layout(run_md);
  Tensor y(run_md);  // (N, C, H, W), x's layout unless moved
  execute_primitive(p->fwd, {{DNNL_ARG_SRC, src.memory()}, {DNNL_ARG_DST, y.memory()}});
  Var out = record ? record_op("channel_shuffle", {x}, y,
                               [saved = ChannelShuffleSaved{p, run_md, x_md}](const auto& dy, const auto& need) {
                                 return channel_shuffle_backward(saved, dy, need);
                               })
                   : record_op("channel_shuffle", {x}, y, nullptr);
  if (tracing()) trace_step({.op = "channel_shuffle", .layer = nullptr, .inputs = {x}, .outputs = {out}, .attrs = {groups}});
  return out;
}

namespace {

std::vector<Tensor> channel_shuffle_backward(const ChannelShuffleSaved& saved, const std::vector<Tensor>& dy,
                                             const std::vector<bool>&) {
  Tensor dx(saved.run_md);  // (N, C, H, W)
  const Tensor g = dy[0].to_layout(saved.run_md);  // the primitive reads dy in its own layout and type
  execute_primitive(saved.p->bwd, {{DNNL_ARG_DIFF_DST, g.memory()}, {DNNL_ARG_DIFF_SRC, dx.memory()}});
  return {dx.to_layout(saved.x_md)};
}

}  // namespace

}  // namespace minnow
