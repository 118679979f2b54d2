// concat on oneDNN's concat primitive; split as sub-memory views of x copied out
// by reorder primitives. Each is the other's backward:
//   y = [x_0, x_1, ...] along axis            dx_i = dy[.., o_i : o_i + C_i, ..]
//   y_i = x[.., o_i : o_i + s_i, ..]          dx = [dy_0, dy_1, ...] along axis
// Outputs take an input's format (blocking and dim order), so blocked activations stay blocked.
#include "ops/concat.h"

#include <algorithm>
#include <unordered_map>

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "core/tape.h"
#include "core/trace.h"
#include "ops/layout.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::memory;

struct ConcatPrimitive {
  dnnl::concat::primitive_desc pd;
  dnnl::concat concat;
};

// y = parts joined along axis, in dst_md.
Tensor concat_tensors(const std::vector<Tensor>& parts, int axis, const memory::desc& dst_md) {
  std::vector<memory::desc> src_mds;
  Key key("concat");
  key.add(axis).add(dst_md);
  for (const auto& t : parts) {
    src_mds.push_back(t.desc());
    key.add(t.desc());
  }
  const auto p = cached<ConcatPrimitive>(key, [&] {
    dnnl::concat::primitive_desc pd(dst_md, axis, src_mds, cpu_engine());
    return ConcatPrimitive{pd, dnnl::concat(pd)};
  });
  Tensor y(dst_md);
  std::unordered_map<int, memory> args{{DNNL_ARG_DST, y.memory()}};
  for (size_t i = 0; i < parts.size(); ++i)
    args.emplace(DNNL_ARG_MULTIPLE_SRC + static_cast<int>(i), parts[i].memory());
  execute_primitive(p->concat, args);
  return y;
}

struct SplitPlan {
  // True when a piece cuts through a block of x's layout (24 of nChw16c's 48 channels, say):
  // the pieces are then cut from a plain copy of x.
  bool via_plain = false;
  std::vector<memory::desc> view_mds;   // sub-memory of x (or of its plain copy)
  std::vector<memory::desc> piece_mds;  // dense, in x's format
  std::vector<dnnl::reorder> copies;
};

std::shared_ptr<SplitPlan> split_plan(const memory::desc& x_md, const std::vector<int64_t>& sizes, int axis) {
  Key key("split");
  key.add(x_md).add(axis);
  for (auto s : sizes) key.add(s);
  return cached<SplitPlan>(key, [&] {
    const Dims x_dims = x_md.dims();
    auto views_of = [&](const memory::desc& md) {
      std::vector<memory::desc> views;
      Dims offsets(x_dims.size(), 0);
      for (auto s : sizes) {
        Dims dims = x_dims;
        dims[static_cast<size_t>(axis)] = s;
        views.push_back(md.submemory_desc(dims, offsets, /*allow_empty=*/true));
        offsets[static_cast<size_t>(axis)] += s;
      }
      return views;
    };
    SplitPlan plan;
    plan.view_mds = views_of(x_md);
    plan.via_plain = std::any_of(plan.view_mds.begin(), plan.view_mds.end(), [](const auto& v) { return v.is_zero(); });
    if (plan.via_plain) plan.view_mds = views_of(plain_desc(x_dims, from_dnnl(x_md.data_type())));
    for (const auto& view : plan.view_mds) {
      plan.piece_mds.push_back(same_format(x_md, view.dims()));
      plan.copies.emplace_back(dnnl::reorder::primitive_desc(cpu_engine(), view, cpu_engine(), plan.piece_mds.back()));
    }
    return plan;
  });
}

// The pieces of x along axis, in x's format; undefined where want[i] is false.
std::vector<Tensor> split_tensor(const Tensor& x, const std::vector<int64_t>& sizes, int axis,
                                 const std::vector<bool>& want) {
  const auto plan = split_plan(x.desc(), sizes, axis);
  const Tensor src = plan->via_plain ? x.to_layout(plain_desc(x.dims(), x.dtype())) : x;
  std::vector<Tensor> pieces(sizes.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    if (!want[i]) continue;
    pieces[i] = Tensor(plan->piece_mds[i]);
    memory view(plan->view_mds[i], cpu_engine(), src.raw());
    memory piece = pieces[i].memory();
    execute_primitive(plan->copies[i], {{DNNL_ARG_FROM, view}, {DNNL_ARG_TO, piece}});
  }
  return pieces;
}

void check_axis(const char* op, int axis, const Dims& dims) {
  MINNOW_CHECK(axis >= 0 && axis < static_cast<int>(dims.size()), op, ": axis ", axis, " is out of range for dims ",
               dims_str(dims));
}

// (N, sum C_i, H, W) for inputs equal in every dim but axis.
Dims concat_dims(const std::vector<Var>& xs, int axis) {
  MINNOW_CHECK(!xs.empty(), "concat: expected at least one input, got none");
  const Dims first = xs[0].dims();
  check_axis("concat", axis, first);
  std::string expected = "[";
  for (size_t j = 0; j < first.size(); ++j) {
    if (j) expected.append(", ");
    expected.append(static_cast<int>(j) == axis ? "*" : std::to_string(first[j]));
  }
  expected.append("]");
  Dims y = first;
  y[static_cast<size_t>(axis)] = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    const Dims d = xs[i].dims();
    bool match = d.size() == first.size();
    for (size_t j = 0; match && j < d.size(); ++j) match = static_cast<int>(j) == axis || d[j] == first[j];
    MINNOW_CHECK(match, "concat: input ", i, " has dims ", dims_str(d), ", expected ", expected,
                 " (input 0's dims except along axis ", axis, ")");
    const DType type = xs[i].data().dtype(), first_type = xs[0].data().dtype();
    const auto is_float = [](DType t) { return t == DType::f32 || t == DType::bf16; };
    MINNOW_CHECK(type == first_type || (is_float(type) && is_float(first_type)), "concat: input ", i, " is ",
                 dtype_name(type), ", expected ", dtype_name(first_type), " like input 0");
    y[static_cast<size_t>(axis)] += d[static_cast<size_t>(axis)];
  }
  return y;
}

// What concat's backward reads: where each input sits along axis, and its own layout.
struct ConcatSaved {
  std::vector<int64_t> sizes;  // C_i
  int axis;
  std::vector<memory::desc> x_mds;
};

// What split's backward reads: x's layout, which the pieces join back into.
struct SplitSaved {
  memory::desc x_md;
  int axis;
};

std::vector<Tensor> concat_backward(const ConcatSaved& saved, const std::vector<Tensor>& dy,
                                    const std::vector<bool>& need);
std::vector<Tensor> split_backward(const SplitSaved& saved, const std::vector<Tensor>& dy,
                                   const std::vector<bool>& need);

}  // namespace

Var concat(const std::vector<Var>& xs, int axis) {
  const Dims y_dims = concat_dims(xs, axis);
  // The format of the first input that is not plain (blocked activations stay blocked), else plain.
  memory::desc y_md = plain_desc(y_dims, xs[0].data().dtype());
  for (const auto& x : xs) {
    if (x.data().is_plain()) continue;
    y_md = with_dtype(same_format(x.data().desc(), y_dims), xs[0].data().dtype());
    break;
  }
  std::vector<Tensor> parts;
  std::vector<int64_t> sizes;
  std::vector<memory::desc> x_mds;
  for (const auto& x : xs) {
    // Mixed f32 and bf16 pieces (core/compute_type.h) join in the first piece's type.
    const Tensor& d = x.data();
    const DType type = from_dnnl(y_md.data_type());
    parts.push_back(d.dtype() == type ? d : d.to_layout(with_dtype(d.desc(), type)));
    sizes.push_back(x.dims()[static_cast<size_t>(axis)]);
    x_mds.push_back(x.data().desc());
  }
  const Tensor y = concat_tensors(parts, axis, y_md);  // (N, sum C_i, H, W)
  Var out = should_record(xs) ? record_op("concat", xs, y,
                                          [saved = ConcatSaved{std::move(sizes), axis, std::move(x_mds)}](
                                              const auto& dy, const auto& need) { return concat_backward(saved, dy, need); })
                              : record_op("concat", xs, y, nullptr);
  if (tracing()) trace_step({.op = "concat", .layer = nullptr, .inputs = xs, .outputs = {out}, .attrs = {axis}});
  return out;
}

namespace {

std::vector<Tensor> concat_backward(const ConcatSaved& saved, const std::vector<Tensor>& dy,
                                    const std::vector<bool>& need) {
  std::vector<Tensor> dx = split_tensor(dy[0], saved.sizes, saved.axis, need);
  for (size_t i = 0; i < dx.size(); ++i)
    if (need[i]) dx[i] = dx[i].to_layout(saved.x_mds[i]);
  return dx;
}

}  // namespace

std::vector<Var> split(const Var& x, const std::vector<int64_t>& sizes, int axis) {
  const Dims x_dims = x.dims();
  check_axis("split", axis, x_dims);
  MINNOW_CHECK(!sizes.empty(), "split: expected at least one piece size, got none");
  int64_t total = 0;
  for (auto s : sizes) {
    MINNOW_CHECK(s > 0, "split: piece sizes must be positive, got ", dims_str(sizes));
    total += s;
  }
  MINNOW_CHECK(total == x_dims[static_cast<size_t>(axis)], "split: piece sizes ", dims_str(sizes), " sum to ", total,
               ", expected x.dim(", axis, ") = ", x_dims[static_cast<size_t>(axis)], " of x dims ", dims_str(x_dims));
  std::vector<Tensor> ys = split_tensor(x.data(), sizes, axis, std::vector<bool>(sizes.size(), true));
  std::vector<Var> pieces =
      should_record({x}) ? record_op("split", {x}, std::move(ys),
                                     [saved = SplitSaved{x.data().desc(), axis}](const auto& dy, const auto& need) {
                                       return split_backward(saved, dy, need);
                                     })
                         : record_op("split", {x}, std::move(ys), nullptr);
  if (tracing()) trace_step({.op = "split", .layer = nullptr, .inputs = {x}, .outputs = pieces, .attrs = {axis}});
  return pieces;
}

namespace {

// dy pieces arrive in the pieces' layouts, zeros for unused pieces.
std::vector<Tensor> split_backward(const SplitSaved& saved, const std::vector<Tensor>& dy, const std::vector<bool>&) {
  return {concat_tensors(dy, saved.axis, saved.x_md)};
}

}  // namespace

}  // namespace minnow
