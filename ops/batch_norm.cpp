// batch_norm forward and backward on oneDNN batch_normalization primitives.
// Forward: xhat = (x - mean) / sqrt(var + eps), y = gamma xhat + beta (then relu if fused),
// with mean, var the batch's biased statistics (training) or the running buffers (eval).
// Backward, g = dy (masked where the fused relu clipped), M = N H W:
//   dbeta = sum g, dgamma = sum g xhat over (N, H, W);
//   training: dx = gamma / sqrt(var + eps) (g - dbeta / M - xhat dgamma / M);
//   eval (use_global_stats, statistics are constants): dx = gamma g / sqrt(var + eps).
// With a replica_sum (synchronised BN), mean and var are those of every replica's batch
// together (M counts all of them), and dbeta, dgamma in dx's formula are summed over the
// replicas; each replica's own dgamma and dbeta are still what it returns (the trainer
// averages parameter gradients).
#include "ops/batch_norm.h"

#include <bit>
#include <cmath>
#include <string_view>

#include "core/engine.h"
#include "core/error.h"
#include "core/gradient_buffer.h"
#include "core/primitive_timer.h"
#include "core/tape.h"
#include "ops/binary.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::memory;
using Flags = dnnl::normalization_flags;

struct BnPrimitives {
  dnnl::batch_normalization_forward::primitive_desc fwd_pd;
  dnnl::batch_normalization_forward fwd;
  // Built on the first backward.
  dnnl::batch_normalization_backward::primitive_desc bwd_pd;
  dnnl::batch_normalization_backward bwd;
  bool has_backward = false;
};

bool has(Flags flags, Flags flag) { return (flags & flag) != Flags::none; }

bool is_nchw(const memory::desc& md) { return md == memory::desc(md.dims(), md.data_type(), memory::format_tag::nchw); }

bool is_jit(const dnnl::primitive_desc_base& pd) {
  return std::string_view(pd.impl_info_str()).find("jit") != std::string_view::npos;
}

std::shared_ptr<BnPrimitives> primitives_for(const memory::desc& x_md, float eps, Flags flags, dnnl::prop_kind prop,
                                             bool backward) {
  Key key("batch_norm");
  key.add(x_md).add(std::bit_cast<uint32_t>(eps)).add(static_cast<int64_t>(flags)).add(static_cast<int64_t>(prop));
  auto p = cached<BnPrimitives>(key, [&] {
    BnPrimitives built;
    built.fwd_pd = {{prop, x_md, eps, flags}, cpu_engine()};
    // Some inputs have no JIT kernel: aBcd4b (a grouped conv's output with 20 channels per
    // group) only the reference one, and nhwc with channels not a multiple of 8 (4 in
    // inference), as a pruned or width-0.35 model has, only the C++ nspc_bnorm. Both run up
    // to 15x slower than bnorm_jit on nChw16c with the two reorders counted (bench_batch_norm),
    // so such an input moves to nChw16c; the narrower JIT kernels (avx2, sse41) stay on nhwc.
    // A plain NCHW input keeps its layout: ncsp_bnorm walks each channel's contiguous plane.
    if (x_md.dims().size() == 4 && !is_jit(built.fwd_pd) && !is_nchw(x_md)) {
      const memory::desc blocked(x_md.dims(), x_md.data_type(), memory::format_tag::nChw16c);
      dnnl::batch_normalization_forward::primitive_desc moved({prop, blocked, eps, flags}, cpu_engine());
      if (is_jit(moved)) built.fwd_pd = moved;
    }
    built.fwd = dnnl::batch_normalization_forward(built.fwd_pd);
    return built;
  });
  if (backward && !p->has_backward) {
    // oneDNN 2.6 has no backward_data with a scale: with gamma it always computes dgamma and dbeta too.
    const auto bwd_prop = has(flags, Flags::use_scale) ? dnnl::prop_kind::backward : dnnl::prop_kind::backward_data;
    const memory::desc run_md = p->fwd_pd.src_desc();
    p->bwd_pd = {{bwd_prop, run_md, run_md, eps, flags}, cpu_engine(), p->fwd_pd};
    p->bwd = dnnl::batch_normalization_backward(p->bwd_pd);
    p->has_backward = true;
  }
  return p;
}

void check_channels(const Dims& dims, int64_t c, const char* what) {
  MINNOW_CHECK(dims == Dims{c}, "batch_norm: expected ", what, " dims [", c, "] (one per input channel), got ",
               dims_str(dims));
}

void check_buffer(const Tensor& t, int64_t c, const char* what) {
  check_channels(t.dims(), c, what);
  MINNOW_CHECK(t.desc() == plain_desc({c}), "batch_norm: expected ", what, " to be a plain f32 buffer, got type ",
               dtype_name(t.dtype()));
}

// Synchronised statistics: this replica's mean and biased variance of x (one stats-only
// forward) summed over the replicas as counts and moments, giving the global batch's mean
// and biased variance in mean and var, and the global count of values per channel.
double replica_statistics(const Tensor& x, float eps, int64_t m, const Tensor& mean, const Tensor& var,
                          const std::function<void(std::span<double>)>& replica_sum) {
  const auto p = primitives_for(x.desc(), eps, Flags::none, dnnl::prop_kind::forward_training, false);
  const Tensor src = x.to_layout(p->fwd_pd.src_desc());
  const Tensor scratch(p->fwd_pd.dst_desc());
  execute_primitive(p->fwd, {{DNNL_ARG_SRC, src.memory()},
                             {DNNL_ARG_DST, scratch.memory()},
                             {DNNL_ARG_MEAN, mean.memory()},
                             {DNNL_ARG_VARIANCE, var.memory()}});
  const auto mu = mean.f32_buffer(), v = var.f32_buffer();
  const size_t c = mu.size();
  // [count, count * mean (C), count * (var + mean^2) (C)]: sums of the replicas' first and second moments.
  std::vector<double> moments(1 + 2 * c);
  moments[0] = static_cast<double>(m);
  for (size_t k = 0; k < c; ++k) {
    moments[1 + k] = static_cast<double>(m) * mu[k];
    moments[1 + c + k] = static_cast<double>(m) * (static_cast<double>(v[k]) + static_cast<double>(mu[k]) * mu[k]);
  }
  replica_sum(moments);
  const double total = moments[0];
  for (size_t k = 0; k < c; ++k) {
    const double global_mean = moments[1 + k] / total;
    mu[k] = static_cast<float>(global_mean);
    v[k] = static_cast<float>(std::max(0.0, moments[1 + c + k] / total - global_mean * global_mean));
  }
  return total;
}

struct BnSizes {
  int64_t c, m;  // channels, values per channel (N H W)
};

// Checks batch_norm's arguments (see the header) and returns x's sizes.
BnSizes check_batch_norm_args(const Var& x, const Var& gamma, const Var& beta, const Tensor& running_mean,
                              const Tensor& running_var, bool training, const BatchNormOptions& options) {
  const Dims xd = x.dims();
  MINNOW_CHECK(xd.size() == 4, "batch_norm: expected input dims (N, C, H, W), got ", dims_str(xd));
  MINNOW_CHECK(x.data().dtype() == DType::f32 || x.data().dtype() == DType::bf16,
               "batch_norm: expected an f32 or bf16 input, got ", dtype_name(x.data().dtype()));
  const int64_t c = xd[1], m = xd[0] * xd[2] * xd[3];
  const bool affine = gamma.defined();
  MINNOW_CHECK(affine == beta.defined(), "batch_norm: expected gamma and beta both given or both undefined, got ",
               affine ? "gamma without beta" : "beta without gamma");
  if (affine) {
    check_channels(gamma.dims(), c, "gamma");
    check_channels(beta.dims(), c, "beta");
  }
  const bool track = running_mean.defined() || running_var.defined();
  MINNOW_CHECK(track || training, "batch_norm: eval mode needs running_mean and running_var, got none");
  if (track) {
    check_buffer(running_mean, c, "running_mean");
    check_buffer(running_var, c, "running_var");
  }
  MINNOW_CHECK(!training || m > 1, "batch_norm: training needs more than one value per channel, got input dims ",
               dims_str(xd));
  MINNOW_CHECK(options.eps > 0 && options.momentum >= 0 && options.momentum <= 1,
               "batch_norm: expected eps > 0 and momentum in [0, 1], got eps ", options.eps, ", momentum ",
               options.momentum);
  return {c, m};
}

// What batch_norm's backward reads: the primitives, x as the forward ran it, the
// statistics it normalised with, gamma and beta (C), the relu workspace (when fused)
// and the layout dx goes back to.
struct BatchNormSaved {
  std::shared_ptr<BnPrimitives> p;
  Tensor src;                       // (N, C, H, W)
  Tensor mean, var, scale, shift;   // (C) each; scale and shift undefined without affine
  Tensor workspace;                 // undefined unless the relu is fused
  memory::desc x_md;
  // Synchronised BN: the replicas' sum and the global count of values per channel.
  std::function<void(std::span<double>)> replica_sum;
  double global_m = 0;
  float eps = 0;
};

std::vector<Tensor> batch_norm_backward(const BatchNormSaved& saved, const std::vector<Tensor>& dy,
                                        const std::vector<bool>& need);

}  // namespace

void update_running_statistics(const Tensor& running_mean, const Tensor& running_var, const Tensor& mean,
                               const Tensor& var, double m, float momentum) {
  const auto rm = running_mean.f32_buffer(), rv = running_var.f32_buffer();
  const auto bm = mean.f32_buffer(), bv = var.f32_buffer();
  const double unbias = m / (m - 1);
  for (size_t c = 0; c < rm.size(); ++c) {
    rm[c] = static_cast<float>((1.0 - momentum) * rm[c] + momentum * static_cast<double>(bm[c]));
    rv[c] = static_cast<float>((1.0 - momentum) * rv[c] + momentum * unbias * bv[c]);
  }
}

Var batch_norm(const Var& x, const Var& gamma, const Var& beta, const Tensor& running_mean,
               const Tensor& running_var, bool training, const BatchNormOptions& options) {
  const auto [c, m] = check_batch_norm_args(x, gamma, beta, running_mean, running_var, training, options);
  const bool affine = gamma.defined();
  const bool track = running_mean.defined() || running_var.defined();

  const bool synced = training && options.replica_sum;
  MINNOW_CHECK(!synced || affine, "batch_norm: synchronised statistics need gamma and beta, got none");
  Flags flags = Flags::none;
  if (affine) flags |= Flags::use_scale | Flags::use_shift;
  if (!training || synced) flags |= Flags::use_global_stats;  // synced: the global batch's statistics
  if (options.fuse_relu) flags |= Flags::fuse_norm_relu;
  const bool record = should_record({x, gamma, beta});
  // forward_training writes the batch statistics and the relu workspace, and is the backward's hint.
  const auto prop = training || record ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  const auto p = primitives_for(x.data().desc(), options.eps, flags, prop, record);
  const auto& pd = p->fwd_pd;

  const Tensor src = x.data().to_layout(pd.src_desc());  // (N, C, H, W), in x's layout unless that one is slow
  Tensor y(pd.dst_desc());      // (N, C, H, W)
  // (C) each; in eval a recorded op keeps its own copy, as the buffers may change before backward.
  const Tensor mean = training ? Tensor(pd.mean_desc()) : record ? running_mean.clone() : running_mean;
  const Tensor var = training ? Tensor(pd.variance_desc()) : record ? running_var.clone() : running_var;
  const double global_m = synced ? replica_statistics(src, options.eps, m, mean, var, options.replica_sum)
                                 : static_cast<double>(m);
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src.memory()},
                                       {DNNL_ARG_DST, y.memory()},
                                       {DNNL_ARG_MEAN, mean.memory()},
                                       {DNNL_ARG_VARIANCE, var.memory()}};
  const memory::desc channel_md = plain_desc({c});
  const Tensor scale = affine ? gamma.data().to_layout(channel_md) : Tensor();  // (C)
  const Tensor shift = affine ? beta.data().to_layout(channel_md) : Tensor();   // (C)
  if (affine) {
    args.emplace(DNNL_ARG_SCALE, scale.memory());
    args.emplace(DNNL_ARG_SHIFT, shift.memory());
  }
  const bool keeps_workspace = options.fuse_relu && prop == dnnl::prop_kind::forward_training;
  const Tensor workspace = keeps_workspace ? Tensor(pd.workspace_desc()) : Tensor();  // relu mask
  if (keeps_workspace) args.emplace(DNNL_ARG_WORKSPACE, workspace.memory());
  execute_primitive(p->fwd, args);
  if (training && track) update_running_statistics(running_mean, running_var, mean, var, global_m, options.momentum);

  if (!record) return record_op("batch_norm", {x, gamma, beta}, y, nullptr);
  const memory::desc x_md = x.data().desc();  // dx goes back to x's own layout
  BatchNormSaved saved{p, src, mean, var, scale, shift, workspace, x_md, {}, global_m, options.eps};
  if (synced) saved.replica_sum = options.replica_sum;
  return record_op("batch_norm", {x, gamma, beta}, y, [saved = std::move(saved)](const auto& dy, const auto& need) {
    return batch_norm_backward(saved, dy, need);
  });
}

namespace {

// Synchronised BN: the backward above ran with the statistics as constants, giving
// dx = gamma g / sigma and this replica's dbeta = sum g, dgamma = sum g xhat. The terms
// through the statistics use those sums over every replica (B, G) and the global count M:
//   dx += -gamma / sigma (B / M + xhat G / M),
// an affine map of xhat per channel, run as one more batch-norm forward with
// scale -gamma G / (sigma M) and shift -gamma B / (sigma M).
Tensor add_replica_terms(const BatchNormSaved& saved, const Tensor& dx, const Tensor& dgamma, const Tensor& dbeta) {
  const auto g = saved.scale.f32_buffer(), var = saved.var.f32_buffer();
  const size_t c = g.size();
  std::vector<double> sums(2 * c);  // [B (C), G (C)]
  for (size_t k = 0; k < c; ++k) {
    sums[k] = dbeta.f32_buffer()[k];
    sums[c + k] = dgamma.f32_buffer()[k];
  }
  saved.replica_sum(sums);
  const Tensor scale(saved.scale.desc()), shift(saved.scale.desc());  // (C) each
  const float eps = saved.eps;
  for (size_t k = 0; k < c; ++k) {
    const double gamma_over_sigma_m = g[k] / (std::sqrt(static_cast<double>(var[k]) + eps) * saved.global_m);
    scale.f32_buffer()[k] = static_cast<float>(-gamma_over_sigma_m * sums[c + k]);
    shift.f32_buffer()[k] = static_cast<float>(-gamma_over_sigma_m * sums[k]);
  }
  const Flags flags = Flags::use_global_stats | Flags::use_scale | Flags::use_shift;
  const auto p = primitives_for(saved.src.desc(), eps, flags, dnnl::prop_kind::forward_inference, false);
  const Tensor src = saved.src.to_layout(p->fwd_pd.src_desc());
  const Tensor terms(p->fwd_pd.dst_desc());  // (N, C, H, W)
  execute_primitive(p->fwd, {{DNNL_ARG_SRC, src.memory()},
                             {DNNL_ARG_DST, terms.memory()},
                             {DNNL_ARG_MEAN, saved.mean.memory()},
                             {DNNL_ARG_VARIANCE, saved.var.memory()},
                             {DNNL_ARG_SCALE, scale.memory()},
                             {DNNL_ARG_SHIFT, shift.memory()}});
  return add(Var(dx), Var(terms)).data();
}

std::vector<Tensor> batch_norm_backward(const BatchNormSaved& saved, const std::vector<Tensor>& dy,
                                        const std::vector<bool>& need) {
  const auto& bpd = saved.p->bwd_pd;
  // oneDNN's batch norm backward runs in place, so dx may be written over dy
  // (core/gradient_buffer.h).
  Tensor dx = gradient_buffer(dy[0], bpd.diff_src_desc());  // (N, C, H, W)
  const Tensor dy_bwd = dy[0].to_layout(bpd.diff_dst_desc());
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, saved.src.memory()},
                                       {DNNL_ARG_MEAN, saved.mean.memory()},
                                       {DNNL_ARG_VARIANCE, saved.var.memory()},
                                       {DNNL_ARG_DIFF_DST, dy_bwd.memory()},
                                       {DNNL_ARG_DIFF_SRC, dx.memory()}};
  if (saved.workspace.defined()) args.emplace(DNNL_ARG_WORKSPACE, saved.workspace.memory());
  Tensor dgamma, dbeta;  // (C) each
  if (saved.scale.defined()) {
    dgamma = Tensor(saved.scale.desc());
    dbeta = Tensor(saved.scale.desc());
    args.emplace(DNNL_ARG_SCALE, saved.scale.memory());
    args.emplace(DNNL_ARG_SHIFT, saved.shift.memory());  // oneDNN 2.6 asks for it, though dx needs no beta
    args.emplace(DNNL_ARG_DIFF_SCALE, dgamma.memory());
    args.emplace(DNNL_ARG_DIFF_SHIFT, dbeta.memory());
  }
  execute_primitive(saved.p->bwd, args);
  if (saved.replica_sum) dx = add_replica_terms(saved, dx, dgamma, dbeta);
  std::vector<Tensor> grads(3);  // dx, dgamma, dbeta
  if (need[0]) grads[0] = dx.to_layout(saved.x_md);
  if (need[1]) grads[1] = dgamma;
  if (need[2]) grads[2] = dbeta;
  return grads;
}

}  // namespace

BatchNormImpl batch_norm_impl(const memory::desc& x_md, bool training, const BatchNormOptions& options) {
  Flags flags = Flags::use_scale | Flags::use_shift;
  if (!training) flags |= Flags::use_global_stats;
  if (options.fuse_relu) flags |= Flags::fuse_norm_relu;
  const auto p = primitives_for(x_md, options.eps, flags, dnnl::prop_kind::forward_training, true);
  return {p->fwd_pd.impl_info_str(), p->bwd_pd.impl_info_str(), p->fwd_pd.src_desc()};
}

}  // namespace minnow
