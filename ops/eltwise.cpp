// Activations on oneDNN eltwise primitives, forward and backward side by side.
// They run on x's own descriptor, except for blocked layouts with padded channels
// (20 channels in nChw16c), where oneDNN 2.6 runs a reference loop 10-100x slower
// unless f(0) = f'(0) = 0: there they run on a flat view of the buffer, and the padding
// is zeroed again after a forward with f(0) != 0 (dy's zero padding keeps dx's zero).
// f32 and bf16 inputs (core/compute_type.h) run in their own type.
#include "ops/eltwise.h"

#include <algorithm>
#include <bit>

#include "core/engine.h"
#include "core/gradient_buffer.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "core/tape.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::algorithm;
using dnnl::memory;

// One oneDNN eltwise function, y = f(x; alpha, beta).
struct Eltwise {
  algorithm alg;
  float alpha = 0, beta = 0;
};

bool backward_reads_dst(algorithm alg) {
  return alg == algorithm::eltwise_relu_use_dst_for_bwd || alg == algorithm::eltwise_clip_v2_use_dst_for_bwd ||
         alg == algorithm::eltwise_logistic_use_dst_for_bwd;
}

struct EltwisePrimitives {
  dnnl::eltwise_forward::primitive_desc fwd_pd;
  dnnl::eltwise_forward fwd;
  // Only for training entries.
  dnnl::eltwise_backward::primitive_desc bwd_pd;
  dnnl::eltwise_backward bwd;
};

std::shared_ptr<EltwisePrimitives> primitives_for(const Eltwise& f, const memory::desc& md, bool training) {
  Key key("eltwise");
  key.add(static_cast<int64_t>(f.alg)).add(std::bit_cast<int32_t>(f.alpha)).add(std::bit_cast<int32_t>(f.beta))
      .add(md).add(static_cast<int64_t>(training));
  return cached<EltwisePrimitives>(key, [&] {
    EltwisePrimitives p;
    const auto prop = training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    p.fwd_pd = dnnl::eltwise_forward::primitive_desc(
        dnnl::eltwise_forward::desc(prop, f.alg, md, f.alpha, f.beta), cpu_engine());
    p.fwd = dnnl::eltwise_forward(p.fwd_pd);
    if (training) {
      p.bwd_pd = dnnl::eltwise_backward::primitive_desc(
          dnnl::eltwise_backward::desc(f.alg, md, md, f.alpha, f.beta), cpu_engine(), p.fwd_pd);
      p.bwd = dnnl::eltwise_backward(p.bwd_pd);
    }
    return p;
  });
}

// A layout blocked along C alone whose only padding is in C, such as nChw16c with C = 20.
bool pads_channels_only(const memory::desc& md) {
  const auto& d = md.data;
  if (d.format_kind != dnnl_blocked || d.ndims < 2 || d.offset0 != 0) return false;
  const auto& blocking = d.format_desc.blocking;
  if (blocking.inner_nblks != 1 || blocking.inner_idxs[0] != 1) return false;
  for (int i = 0; i < d.ndims; ++i)
    if (i != 1 && d.padded_dims[i] != d.dims[i]) return false;
  return true;
}

// The descriptor the primitives run on for a tensor of descriptor md (see the file comment).
memory::desc run_desc(const memory::desc& md, bool zero_preserving) {
  const auto& d = md.data;
  const Dims padded(d.padded_dims, d.padded_dims + d.ndims);
  const int64_t elements = product(padded);
  const bool dense = md.get_size() == static_cast<size_t>(elements) * dtype_size(from_dnnl(md.data_type()));
  if (padded == md.dims() || !dense) return md;
  if (!zero_preserving && !pads_channels_only(md)) return md;
  return memory::desc({elements}, md.data_type(), memory::format_tag::a);
}

// Zeroes the padded channels of a pads_channels_only layout: in nChw16c with C = 20,
// lanes 4..15 of the second channel block at every (n, h, w).
void zero_channel_padding(const Tensor& t) {
  const auto& d = t.desc().data;
  const auto& blocking = d.format_desc.blocking;
  const int64_t block = blocking.inner_blks[0], first = d.dims[1] % block;
  const int64_t last_block = d.dims[1] / block * blocking.strides[1];
  Dims outer_dims, outer_strides;  // every dim but C
  for (int i = 0; i < d.ndims; ++i) {
    if (i == 1) continue;
    outer_dims.push_back(d.dims[i]);
    outer_strides.push_back(blocking.strides[i]);
  }
  std::byte* p = static_cast<std::byte*>(t.raw());
  const size_t element = dtype_size(t.dtype());
  const int64_t count = product(outer_dims);
#pragma omp parallel for if (count > 4096)
  for (int64_t k = 0; k < count; ++k) {
    int64_t offset = last_block + first, rest = k;
    for (size_t i = outer_dims.size(); i-- > 0;) {
      offset += rest % outer_dims[i] * outer_strides[i];
      rest /= outer_dims[i];
    }
    std::fill_n(p + static_cast<size_t>(offset) * element, static_cast<size_t>(block - first) * element, std::byte{0});
  }
}

memory view(const Tensor& t, const memory::desc& md) { return memory(md, cpu_engine(), t.raw()); }

void run_forward(const EltwisePrimitives& p, const Tensor& src, const Tensor& dst, const memory::desc& md) {
  execute_primitive(p.fwd, {{DNNL_ARG_SRC, view(src, md)}, {DNNL_ARG_DST, view(dst, md)}});
}

// What an activation's backward reads: the primitives, f, the tensor f' is taken at
// (x, or y for the *_use_dst_for_bwd algorithms) and the descriptor the primitives run on.
struct EltwiseSaved {
  std::shared_ptr<EltwisePrimitives> p;
  Eltwise f;
  Tensor x_or_y;  // x's dims and layout
  memory::desc md;
};

// dx = f'(x_or_y) dy, in x's layout. oneDNN's eltwise backward runs in place, so dx may be
// written over dy (core/gradient_buffer.h): one buffer fewer, and dy's lines are still in cache
// when dx is stored.
Tensor run_backward(const EltwiseSaved& saved, const Tensor& dy) {
  const Tensor& at = saved.x_or_y;
  const Tensor dx = gradient_buffer(dy, at.desc());
  const Tensor dy_bwd = dy.to_layout(at.desc());
  execute_primitive(saved.p->bwd, {{backward_reads_dst(saved.f.alg) ? DNNL_ARG_DST : DNNL_ARG_SRC, view(at, saved.md)},
                                   {DNNL_ARG_DIFF_DST, view(dy_bwd, saved.md)},
                                   {DNNL_ARG_DIFF_SRC, view(dx, saved.md)}});
  return dx;
}

const Tensor& float_input(const char* op, const Var& x) {
  MINNOW_CHECK(x.defined(), op, ": x is an undefined Var");
  const DType type = x.data().dtype();
  MINNOW_CHECK(type == DType::f32 || type == DType::bf16, op, ": expected an f32 or bf16 input, got ", dtype_name(type));
  return x.data();
}

std::vector<Tensor> activation_backward(const EltwiseSaved& saved, const std::vector<Tensor>& dy,
                                        const std::vector<bool>& need);

// y = f(x) in x's layout; zero_preserving says f(0) = 0.
Var activation(const char* op, const Var& x, const Eltwise& f, bool zero_preserving) {
  const Tensor& src = float_input(op, x);
  const bool record = should_record({x});
  const memory::desc md = run_desc(src.desc(), zero_preserving);
  const auto p = primitives_for(f, md, record);
  Tensor y(src.desc());  // x's dims and layout
  run_forward(*p, src, y, md);
  if (md != src.desc() && !zero_preserving) zero_channel_padding(y);
  if (!record) return record_op(op, {x}, y, nullptr);
  const Tensor x_or_y = backward_reads_dst(f.alg) ? y : src;
  return record_op(op, {x}, y, [saved = EltwiseSaved{p, f, x_or_y, md}](const auto& dy, const auto& need) {
    return activation_backward(saved, dy, need);
  });
}

std::vector<Tensor> activation_backward(const EltwiseSaved& saved, const std::vector<Tensor>& dy,
                                        const std::vector<bool>&) {
  return {run_backward(saved, dy[0])};
}

// What hardsigmoid's backward reads: the clip's saved state and the 1/6 scale's primitives.
struct HardsigmoidSaved {
  EltwiseSaved clip;
  std::shared_ptr<EltwisePrimitives> scale_p;
};

std::vector<Tensor> hardsigmoid_backward(const HardsigmoidSaved& saved, const std::vector<Tensor>& dy,
                                         const std::vector<bool>& need);

}  // namespace

Var relu(const Var& x) { return activation("relu", x, {algorithm::eltwise_relu_use_dst_for_bwd}, true); }

Var relu6(const Var& x) {
  return activation("relu6", x, {algorithm::eltwise_clip_v2_use_dst_for_bwd, 0.0f, 6.0f}, true);
}

Var hardswish(const Var& x) { return activation("hardswish", x, {algorithm::eltwise_hardswish}, true); }

Var sigmoid(const Var& x) { return activation("sigmoid", x, {algorithm::eltwise_logistic_use_dst_for_bwd}, false); }

Var swish(const Var& x) { return activation("swish", x, {algorithm::eltwise_swish, 1.0f}, true); }

// oneDNN 2.6 has no hardsigmoid algorithm, so it takes two eltwise passes:
// y = clip(t, 0, 1) with t = x / 6 + 1/2, and dx = dt / 6 with dt = dy where 0 < y < 1.
Var hardsigmoid(const Var& x) {
  const Eltwise affine{algorithm::eltwise_linear, 1.0f / 6, 0.5f};
  const Eltwise clip{algorithm::eltwise_clip_v2_use_dst_for_bwd, 0.0f, 1.0f};
  const Tensor& src = float_input("hardsigmoid", x);
  const bool record = should_record({x});
  const memory::desc md = run_desc(src.desc(), false);
  const auto affine_p = primitives_for(affine, md, false);
  const auto clip_p = primitives_for(clip, md, record);
  Tensor y(src.desc());  // x's dims and layout
  run_forward(*affine_p, src, y, md);
  run_forward(*clip_p, y, y, md);
  if (md != src.desc()) zero_channel_padding(y);
  if (!record) return record_op("hardsigmoid", {x}, y, nullptr);
  const auto scale_p = primitives_for({algorithm::eltwise_linear, 1.0f / 6}, md, false);
  return record_op("hardsigmoid", {x}, y,
                   [saved = HardsigmoidSaved{{clip_p, clip, y, md}, scale_p}](const auto& dy, const auto& need) {
                     return hardsigmoid_backward(saved, dy, need);
                   });
}

namespace {

std::vector<Tensor> hardsigmoid_backward(const HardsigmoidSaved& saved, const std::vector<Tensor>& dy,
                                         const std::vector<bool>&) {
  const Tensor dx = run_backward(saved.clip, dy[0]);  // dt
  run_forward(*saved.scale_p, dx, dx, saved.clip.md);
  return {dx};
}

}  // namespace

}  // namespace minnow
