// linear forward and backward on oneDNN inner-product primitives, all on plain
// (row-major) memory: x (N, K), w (M, K) as torch's nn.Linear holds it, y (N, M).
// Forward: y = x w^T + b. Backward: dx = dy w (backward data); dw = dy^T x and
// db = sum over N of dy (backward weights, which yields both in one pass).
#include "ops/linear.h"

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "core/tape.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::memory;

struct LinearShape {
  int64_t n, k, m;
  bool bias;
};

struct LinearPrimitives {
  dnnl::inner_product_forward::primitive_desc fwd_pd;
  dnnl::inner_product_forward fwd;
  // Only for training entries.
  dnnl::inner_product_backward_data::primitive_desc bwd_data_pd;
  dnnl::inner_product_backward_data bwd_data;
  dnnl::inner_product_backward_weights::primitive_desc bwd_weights_pd;
  dnnl::inner_product_backward_weights bwd_weights;
};

std::shared_ptr<LinearPrimitives> primitives_for(const LinearShape& s, bool training) {
  Key key("linear");
  key.add(s.n).add(s.k).add(s.m).add(static_cast<int64_t>(s.bias)).add(static_cast<int64_t>(training));
  return cached<LinearPrimitives>(key, [&] {
    const memory::desc x_md = plain_desc({s.n, s.k}), w_md = plain_desc({s.m, s.k}), y_md = plain_desc({s.n, s.m});
    const memory::desc b_md = s.bias ? plain_desc({s.m}) : memory::desc();
    const auto prop = training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    LinearPrimitives p;
    p.fwd_pd = dnnl::inner_product_forward::primitive_desc(
        dnnl::inner_product_forward::desc(prop, x_md, w_md, b_md, y_md), cpu_engine());
    p.fwd = dnnl::inner_product_forward(p.fwd_pd);
    if (training) {
      p.bwd_data_pd = dnnl::inner_product_backward_data::primitive_desc(
          dnnl::inner_product_backward_data::desc(x_md, w_md, y_md), cpu_engine(), p.fwd_pd);
      p.bwd_data = dnnl::inner_product_backward_data(p.bwd_data_pd);
      p.bwd_weights_pd = dnnl::inner_product_backward_weights::primitive_desc(
          dnnl::inner_product_backward_weights::desc(x_md, w_md, b_md, y_md), cpu_engine(), p.fwd_pd);
      p.bwd_weights = dnnl::inner_product_backward_weights(p.bwd_weights_pd);
    }
    return p;
  });
}

LinearShape linear_shape(const Var& x, const Var& w, const Var& b) {
  MINNOW_CHECK(x.defined() && w.defined(), "linear: x and w must be defined Vars");
  const Dims xd = x.dims(), wd = w.dims();
  MINNOW_CHECK(xd.size() == 2, "linear: expected x of dims (N, K), got ", dims_str(xd));
  MINNOW_CHECK(wd.size() == 2 && wd[1] == xd[1], "linear: expected w of dims (M, ", xd[1], ") for x of dims ",
               dims_str(xd), ", got ", dims_str(wd));
  if (b.defined())
    MINNOW_CHECK(b.dims() == Dims{wd[0]}, "linear: expected b of dims [", wd[0], "], got ", dims_str(b.dims()));
  // A bf16 x (core/compute_type.h) is converted: the classifier runs in f32.
  MINNOW_CHECK(x.data().dtype() == DType::f32 || x.data().dtype() == DType::bf16,
               "linear: expected an f32 or bf16 x, got ", dtype_name(x.data().dtype()));
  for (const Var* v : {&w, &b})
    MINNOW_CHECK(!v->defined() || v->data().dtype() == DType::f32, "linear: expected f32 weights and bias, got ",
                 dtype_name(v->data().dtype()));
  return {xd[0], xd[1], wd[0], b.defined()};
}

// What linear's backward reads: the primitives, x and w as the forward ran them, and
// the layouts dx and dw go back to.
struct LinearSaved {
  std::shared_ptr<LinearPrimitives> p;
  LinearShape s;
  Tensor src;      // (N, K)
  Tensor weights;  // (M, K)
  memory::desc x_md, w_md;
};

std::vector<Tensor> linear_backward(const LinearSaved& saved, const std::vector<Tensor>& dy,
                                    const std::vector<bool>& need);

}  // namespace

Var linear(const Var& x, const Var& w, const Var& b) {
  const LinearShape s = linear_shape(x, w, b);
  const bool record = should_record({x, w, b});
  const auto p = primitives_for(s, record);
  const Tensor src = x.data().to_layout(p->fwd_pd.src_desc());              // (N, K)
  const Tensor weights = w.data().to_layout(p->fwd_pd.weights_desc());      // (M, K)
  Tensor y(p->fwd_pd.dst_desc());                                           // (N, M)
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src.memory()}, {DNNL_ARG_WEIGHTS, weights.memory()}, {DNNL_ARG_DST, y.memory()}};
  if (s.bias) args.emplace(DNNL_ARG_BIAS, b.data().to_layout(p->fwd_pd.bias_desc()).memory());
  execute_primitive(p->fwd, args);

  if (!record) return record_op("linear", {x, w, b}, y, nullptr);
  const memory::desc x_md = x.data().desc(), w_md = w.data().desc();
  return record_op("linear", {x, w, b}, y,
                   [saved = LinearSaved{p, s, src, weights, x_md, w_md}](const auto& dy, const auto& need) {
                     return linear_backward(saved, dy, need);
                   });
}

namespace {

std::vector<Tensor> linear_backward(const LinearSaved& saved, const std::vector<Tensor>& dy,
                                    const std::vector<bool>& need) {
  const LinearPrimitives& p = *saved.p;
  std::vector<Tensor> grads(3);  // dx, dw, db
  const Tensor dy_bwd = dy[0].to_layout(p.fwd_pd.dst_desc());  // (N, M)
  if (need[0]) {
    Tensor dx(p.bwd_data_pd.diff_src_desc());  // (N, K) = dy w
    execute_primitive(p.bwd_data, {{DNNL_ARG_DIFF_DST, dy_bwd.memory()},
                                   {DNNL_ARG_WEIGHTS, saved.weights.memory()},
                                   {DNNL_ARG_DIFF_SRC, dx.memory()}});
    grads[0] = dx.to_layout(saved.x_md);
  }
  if (need[1] || need[2]) {
    Tensor dw(p.bwd_weights_pd.diff_weights_desc());  // (M, K) = dy^T x
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, saved.src.memory()},
                                         {DNNL_ARG_DIFF_DST, dy_bwd.memory()},
                                         {DNNL_ARG_DIFF_WEIGHTS, dw.memory()}};
    Tensor db;  // (M) = sum over N of dy
    if (saved.s.bias) {
      db = Tensor(p.bwd_weights_pd.diff_bias_desc());
      args.emplace(DNNL_ARG_DIFF_BIAS, db.memory());
    }
    execute_primitive(p.bwd_weights, args);
    grads[1] = dw.to_layout(saved.w_md);
    grads[2] = db;
  }
  return grads;
}

}  // namespace

}  // namespace minnow
