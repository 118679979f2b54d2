// add and mul on oneDNN's binary primitive, forward and backward side by side.
// oneDNN 2.6 runs its jit kernel only when a broadcast b has a's format (nChw16c with
// nChw16c), so a broadcast b (small) is moved into a's format first. Backward sums over
// b's broadcast axes: H, W by a sum pooling (jit on blocked layouts, where the reduction
// primitive runs a reference loop ~40x slower), then N by a reduction of the small result.
#include "ops/binary.h"

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "core/tape.h"
#include "core/trace.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::algorithm;
using dnnl::memory;

// Checks the operands of op; returns whether b broadcasts ((N, C, 1, 1) or (1, C, 1, 1)).
bool broadcasts(const char* op, const Var& a, const Var& b) {
  MINNOW_CHECK(a.defined() && b.defined(), op, ": a and b must both be defined Vars");
  auto is_float = [](const Var& v) { return v.data().dtype() == DType::f32 || v.data().dtype() == DType::bf16; };
  MINNOW_CHECK(is_float(a) && is_float(b), op, ": expected f32 or bf16 operands, got a ", dtype_name(a.data().dtype()),
               " and b ", dtype_name(b.data().dtype()));
  const Dims ad = a.dims(), bd = b.dims();
  if (ad == bd) return false;
  const bool channel_wise = ad.size() == 4 && bd.size() == 4 && (bd[0] == ad[0] || bd[0] == 1) && bd[1] == ad[1] &&
                            bd[2] == 1 && bd[3] == 1;
  if (ad.size() == 4)
    MINNOW_CHECK(channel_wise, op, ": expected b of dims ", dims_str(ad), ", ", dims_str({ad[0], ad[1], 1, 1}),
                 " or ", dims_str({1, ad[1], 1, 1}), " for a of dims ", dims_str(ad), ", got ", dims_str(bd));
  MINNOW_CHECK(channel_wise, op, ": expected b of dims ", dims_str(ad), " (a's), got ", dims_str(bd));
  return true;
}

// A descriptor of dims in md's format and type, so that a broadcast operand matches a;
// plain when md is none of the activation formats.
memory::desc like(const memory::desc& md, const Dims& dims) {
  using tag = memory::format_tag;
  const dt type = md.data_type();
  if (md.dims().size() == 4)
    for (const tag t : {tag::nchw, tag::nhwc, tag::nChw16c, tag::nChw8c, tag::nChw4c})
      if (memory::desc(md.dims(), type, t) == md) return memory::desc(dims, type, t);
  return plain_desc(dims, from_dnnl(type));
}

// dst (in src0's layout) = src0 (op) src1.
std::shared_ptr<dnnl::binary> binary_for(algorithm alg, const memory::desc& src0_md, const memory::desc& src1_md) {
  Key key("binary");
  key.add(static_cast<int64_t>(alg)).add(src0_md).add(src1_md);
  return cached<dnnl::binary>(key, [&] {
    return dnnl::binary(
        dnnl::binary::primitive_desc(dnnl::binary::desc(alg, src0_md, src1_md, src0_md), cpu_engine()));
  });
}

Tensor run_binary(const dnnl::binary& p, const Tensor& src0, const Tensor& src1) {
  Tensor dst(src0.desc());
  execute_primitive(p, {{DNNL_ARG_SRC_0, src0.memory()}, {DNNL_ARG_SRC_1, src1.memory()},
                        {DNNL_ARG_DST, dst.memory()}});
  return dst;
}

// Sums a tensor of src_md over the axes where out_md has 1: H, W, then N.
struct SumPrimitives {
  memory::desc pooled_md;  // (N, C, 1, 1)
  dnnl::pooling_forward pool;
  dnnl::reduction reduce;
  bool has_pool = false, has_reduce = false;
};

std::shared_ptr<SumPrimitives> sum_for(const memory::desc& src_md, const memory::desc& out_md) {
  return cached<SumPrimitives>(Key("binary_sum").add(src_md).add(out_md), [&] {
    const int64_t* s = src_md.data.dims;  // (N, C, H, W)
    SumPrimitives p;
    p.pooled_md = src_md;
    if (s[2] * s[3] > 1) {
      // The mean over an H x W window, times H W by a post-op, is the sum.
      p.pooled_md = like(src_md, {s[0], s[1], 1, 1});
      dnnl::pooling_forward::desc d(dnnl::prop_kind::forward_inference, algorithm::pooling_avg_include_padding,
                                    src_md, p.pooled_md, {1, 1}, {s[2], s[3]}, {0, 0}, {0, 0});
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, algorithm::eltwise_linear, static_cast<float>(s[2] * s[3]), 0.0f);
      dnnl::primitive_attr attr;
      attr.set_post_ops(ops);
      p.pool = dnnl::pooling_forward(dnnl::pooling_forward::primitive_desc(d, attr, cpu_engine()));
      p.has_pool = true;
    }
    if (out_md.data.dims[0] != s[0]) {
      dnnl::reduction::desc d(algorithm::reduction_sum, p.pooled_md, out_md, 0.0f, 0.0f);
      p.reduce = dnnl::reduction(dnnl::reduction::primitive_desc(d, cpu_engine()));
      p.has_reduce = true;
    }
    return p;
  });
}

// t (N, C, H, W) summed into out_md: (N, C, 1, 1) or (1, C, 1, 1).
Tensor run_sum(const SumPrimitives& p, const Tensor& t, const memory::desc& out_md) {
  Tensor pooled = t;
  if (p.has_pool) {
    pooled = Tensor(p.pooled_md);
    execute_primitive(p.pool, {{DNNL_ARG_SRC, t.memory()}, {DNNL_ARG_DST, pooled.memory()}});
  }
  if (!p.has_reduce) return pooled;
  Tensor out(out_md);
  execute_primitive(p.reduce, {{DNNL_ARG_SRC, pooled.memory()}, {DNNL_ARG_DST, out.memory()}});
  return out;
}

// Sums a gradient of a's dims over b's broadcast axes, into b's own layout.
struct BroadcastSum {
  std::shared_ptr<SumPrimitives> sum;  // null when b does not broadcast
  memory::desc b_md, b_own;            // b as the forward ran it; b's own layout
  Tensor operator()(const Tensor& g) const { return (sum ? run_sum(*sum, g, b_md) : g).to_layout(b_own); }
};

// What add's backward reads.
struct AddSaved {
  BroadcastSum to_b;
};

// What mul's backward reads: the operands and the primitives that multiply dy by them.
struct MulSaved {
  BroadcastSum to_b;
  std::shared_ptr<dnnl::binary> fwd;        // dy times b (the forward's own)
  std::shared_ptr<dnnl::binary> same_dims;  // dy times a
  Tensor a, b;                              // a (N, C, H, W); b as the forward ran it
};

std::vector<Tensor> add_backward(const AddSaved& saved, const std::vector<Tensor>& dy, const std::vector<bool>& need);
std::vector<Tensor> mul_backward(const MulSaved& saved, const std::vector<Tensor>& dy, const std::vector<bool>& need);

Var binary_op(const char* op, algorithm alg, const Var& a, const Var& b) {
  const bool broadcast = broadcasts(op, a, b);
  const memory::desc a_md = a.data().desc();
  const memory::desc b_md = broadcast ? like(a_md, b.dims()) : a_md;  // b in a's type too
  const Tensor b_in = b.data().to_layout(b_md);  // a counted reorder when b's layout differs
  const auto fwd = binary_for(alg, a_md, b_md);
  const Tensor y = run_binary(*fwd, a.data(), b_in);  // (N, C, H, W) in a's layout
  if (!should_record({a, b})) return record_op(op, {a, b}, y, nullptr);

  const BroadcastSum to_b{broadcast ? sum_for(a_md, b_md) : nullptr, b_md, b.data().desc()};
  if (alg == algorithm::binary_add)
    return record_op(op, {a, b}, y, [saved = AddSaved{to_b}](const auto& dy, const auto& need) {
      return add_backward(saved, dy, need);
    });
  const auto same_dims = broadcast ? binary_for(algorithm::binary_mul, a_md, a_md) : fwd;
  return record_op(op, {a, b}, y,
                   [saved = MulSaved{to_b, fwd, same_dims, a.data(), b_in}](const auto& dy, const auto& need) {
                     return mul_backward(saved, dy, need);
                   });
}

// da = dy, db = dy summed over the broadcast axes; no copy when b has a's dims and layout.
std::vector<Tensor> add_backward(const AddSaved& saved, const std::vector<Tensor>& dy, const std::vector<bool>& need) {
  std::vector<Tensor> grads(2);  // da, db
  if (need[0]) grads[0] = dy[0];
  if (need[1]) grads[1] = saved.to_b(dy[0]);
  return grads;
}

// da = dy b (b broadcast), db = dy a summed over the broadcast axes.
std::vector<Tensor> mul_backward(const MulSaved& saved, const std::vector<Tensor>& dy, const std::vector<bool>& need) {
  std::vector<Tensor> grads(2);  // da, db
  const Tensor g = dy[0].to_layout(saved.a.desc());
  if (need[0]) grads[0] = run_binary(*saved.fwd, g, saved.b);
  if (need[1]) grads[1] = saved.to_b(run_binary(*saved.same_dims, g, saved.a));
  return grads;
}

}  // namespace

Var add(const Var& a, const Var& b) {
  Var y = binary_op("add", algorithm::binary_add, a, b);
  if (tracing()) trace_step({.op = "add", .layer = nullptr, .inputs = {a, b}, .outputs = {y}, .attrs = {}});
  return y;
}

Var mul(const Var& a, const Var& b) {
  Var y = binary_op("mul", algorithm::binary_mul, a, b);
  if (tracing()) trace_step({.op = "mul", .layer = nullptr, .inputs = {a, b}, .outputs = {y}, .attrs = {}});
  return y;
}

}  // namespace minnow
