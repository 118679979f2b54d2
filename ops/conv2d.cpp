// conv2d forward and backward on oneDNN convolution primitives.
// Forward: y = x * w (+ b). Backward: dx = conv_bwd_data(dy, w),
// dw = conv_bwd_weights(x, dy), db = sum of dy over N, H, W.
// Layouts: src/weights/dst are format_tag::any, except that an input already in
// a blocked layout is kept when the primitive runs the same kernel on it. Inference may ask
// for Winograd (Conv2dOptions::winograd), which picks its own layouts. Kernel taps that
// meet only padding are cut off first (ops/kernel_crop.h). In a bf16 scope (core/compute_type.h)
// src, weights and dst are bf16, the f32 weight is converted at each call, and dw comes back f32.
#include "ops/conv2d.h"

#include <bit>
#include <optional>

#include "core/compute_type.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "core/reorder.h"
#include "core/engine.h"
#include "core/tape.h"
#include "ops/depthwise_weight_grad.h"
#include "ops/grouped_pointwise_conv.h"
#include "ops/grouped_pointwise_weight_grad.h"
#include "ops/kernel_crop.h"
#include "ops/layout.h"
#include "ops/primitive_cache.h"

namespace minnow {
namespace {

using dnnl::memory;

struct ConvShape {
  int64_t n, c, h, w;   // input
  int64_t o, kh, kw;    // weights (logical OIHW)
  int64_t oh, ow;       // output
  bool bias;
  Conv2dOptions opt;
  DType act = DType::f32;  // src, weights and dst in the primitives

  Dims src() const { return {n, c, h, w}; }
  Dims dst() const { return {n, o, oh, ow}; }
  Dims weights() const {
    if (opt.groups == 1) return {o, c, kh, kw};
    return {opt.groups, o / opt.groups, c / opt.groups, kh, kw};
  }
  memory::dims strides() const { return {opt.stride, opt.stride}; }
  memory::dims dilates() const { return {opt.dilation - 1, opt.dilation - 1}; }
  memory::dims pads() const { return {opt.padding, opt.padding}; }
};

ConvShape conv_shape(const Dims& x, const Dims& w, bool bias, const Conv2dOptions& opt) {
  MINNOW_CHECK(x.size() == 4, "conv2d: expected input dims (N, C, H, W), got ", dims_str(x));
  MINNOW_CHECK(opt.stride >= 1 && opt.dilation >= 1 && opt.padding >= 0 && opt.groups >= 1,
               "conv2d: expected stride >= 1, dilation >= 1, padding >= 0, groups >= 1, got stride ", opt.stride,
               ", dilation ", opt.dilation, ", padding ", opt.padding, ", groups ", opt.groups);
  // A grouped weight that adopted oneDNN's layout is (G, O/G, C/G, kH, kW); fold it back to OIHW.
  Dims oihw = w;
  if (w.size() == 5) oihw = {w[0] * w[1], w[2], w[3], w[4]};
  MINNOW_CHECK(oihw.size() == 4, "conv2d: expected weight dims (O, C/groups, kH, kW), got ", dims_str(w));
  ConvShape s{x[0], x[1], x[2], x[3], oihw[0], oihw[2], oihw[3], 0, 0, bias, opt, compute_dtype()};
  MINNOW_CHECK(s.c % opt.groups == 0 && s.o % opt.groups == 0, "conv2d: channels in ", s.c, " and out ", s.o,
               " must both divide by groups ", opt.groups);
  MINNOW_CHECK(oihw[1] == s.c / opt.groups, "conv2d: weight dims ", dims_str(w), " expect ", s.c / opt.groups,
               " input channels per group (input has ", s.c, " channels, groups ", opt.groups, "), got ", oihw[1]);
  s.oh = (s.h + 2 * opt.padding - opt.dilation * (s.kh - 1) - 1) / opt.stride + 1;
  s.ow = (s.w + 2 * opt.padding - opt.dilation * (s.kw - 1) - 1) / opt.stride + 1;
  MINNOW_CHECK(s.oh >= 1 && s.ow >= 1, "conv2d: input ", dims_str(x), " is smaller than the dilated kernel ",
               s.kh, "x", s.kw, " with padding ", opt.padding);
  return s;
}

struct ConvPrimitives {
  dnnl::convolution_forward::primitive_desc fwd_pd;
  dnnl::convolution_forward fwd;
  // Built on the first backward.
  dnnl::convolution_backward_data::primitive_desc bwd_data_pd;
  dnnl::convolution_backward_data bwd_data;
  dnnl::convolution_backward_weights::primitive_desc bwd_weights_pd;
  dnnl::convolution_backward_weights bwd_weights;
  bool has_backward = false;
  // oneDNN has only its reference kernel for this depthwise weight gradient: use ours.
  bool depthwise_weight_loop = false;
  // The same for a grouped 1x1 conv's: per-group matrix products instead.
  bool grouped_pointwise_product = false;

  std::string weight_gradient() const {
    if (depthwise_weight_loop) return "minnow:depthwise_loop";
    if (grouped_pointwise_product) return "minnow:grouped_pointwise_matmul";
    return bwd_weights_pd.impl_info_str();
  }
};

dnnl::convolution_forward::primitive_desc make_fwd_pd(const ConvShape& s, const memory::desc& src_md,
                                                      dnnl::prop_kind prop, dnnl::algorithm alg) {
  const memory::desc bias_md = s.bias ? memory::desc({s.o}, dt::f32, memory::format_tag::a) : memory::desc();
  dnnl::convolution_forward::desc d(prop, alg, src_md, any_desc(s.weights(), s.act), bias_md, any_desc(s.dst(), s.act),
                                    s.strides(), s.dilates(), s.pads(), s.pads());
  dnnl::primitive_attr attr;
  if (s.opt.post.defined()) {
    dnnl::post_ops post;
    post.append_eltwise(1.0f, s.opt.post.alg, s.opt.post.alpha, s.opt.post.beta);
    attr.set_post_ops(post);
  }
  return {d, attr, cpu_engine()};
}

// Winograd where asked for and oneDNN has a kernel for the shape and CPU (it throws where not).
std::optional<dnnl::convolution_forward::primitive_desc> winograd_fwd_pd(const ConvShape& s, dnnl::prop_kind prop) {
  if (!s.opt.winograd || prop != dnnl::prop_kind::forward_inference || s.act != DType::f32) return std::nullopt;
  try {
    return make_fwd_pd(s, any_desc(s.src(), s.act), prop, dnnl::algorithm::convolution_winograd);
  } catch (const dnnl::error&) {
    return std::nullopt;
  }
}

// Keeps a blocked input's layout when oneDNN runs the same kernel on it as on
// the layout it would choose itself; otherwise lets oneDNN choose.
dnnl::convolution_forward::primitive_desc choose_fwd_pd(const ConvShape& s, const memory::desc& x_md,
                                                        dnnl::prop_kind prop) {
  if (auto winograd = winograd_fwd_pd(s, prop)) return *winograd;
  const auto direct = dnnl::algorithm::convolution_direct;
  auto chosen = make_fwd_pd(s, any_desc(s.src(), s.act), prop, direct);
  if (chosen.src_desc() == x_md || x_md == plain_desc(s.src(), from_dnnl(x_md.data_type()))) return chosen;
  try {
    auto kept = make_fwd_pd(s, x_md, prop, direct);
    if (kept.impl_info_str() == chosen.impl_info_str()) return kept;
  } catch (const dnnl::error&) {
  }
  return chosen;
}

void build_backward(ConvPrimitives& p, const ConvShape& s) {
  const auto& f = p.fwd_pd;
  // Prefer the forward's weight layout (no per-step weight reorder); grouped convs
  // have a jit backward-data kernel only for a layout of their own, so let them choose.
  auto bwd_data_pd = [&](const memory::desc& weights_md) {
    dnnl::convolution_backward_data::desc dd(dnnl::algorithm::convolution_direct, any_desc(s.src(), s.act), weights_md,
                                             any_desc(s.dst(), s.act), s.strides(), s.dilates(), s.pads(), s.pads());
    return dnnl::convolution_backward_data::primitive_desc(dd, cpu_engine(), f);
  };
  p.bwd_data_pd = bwd_data_pd(f.weights_desc());
  if (std::string_view(p.bwd_data_pd.impl_info_str()).starts_with("ref"))
    p.bwd_data_pd = bwd_data_pd(any_desc(s.weights(), s.act));
  p.bwd_data = dnnl::convolution_backward_data(p.bwd_data_pd);
  // Backward-weights in the forward's own layouts when a jit kernel takes them (small
  // spatial sizes otherwise drift to plain diff_dst and the reference kernel); dw is f32.
  const memory::desc bias_md = s.bias ? memory::desc({s.o}, dt::f32, memory::format_tag::a) : memory::desc();
  auto bwd_weights_pd = [&](const memory::desc& weights_md, const memory::desc& dst_md) {
    dnnl::convolution_backward_weights::desc dw(dnnl::algorithm::convolution_direct, f.src_desc(), weights_md,
                                                bias_md, dst_md, s.strides(), s.dilates(), s.pads(), s.pads());
    return dnnl::convolution_backward_weights::primitive_desc(dw, cpu_engine(), f);
  };
  p.bwd_weights_pd = bwd_weights_pd(with_dtype(f.weights_desc(), DType::f32), f.dst_desc());
  if (std::string_view(p.bwd_weights_pd.impl_info_str()).starts_with("ref"))
    p.bwd_weights_pd = bwd_weights_pd(any_desc(s.weights()), any_desc(s.dst(), s.act));
  const bool depthwise = s.opt.groups == s.c && s.o == s.c && s.opt.groups > 1;
  const bool ref = std::string_view(p.bwd_weights_pd.impl_info_str()).starts_with("ref");
  p.depthwise_weight_loop = depthwise && !s.bias && ref;
  const bool pointwise = s.kh == 1 && s.kw == 1 && s.opt.stride == 1 && s.opt.padding == 0;
  // On maps of at most 4x4 oneDNN's 1x1 weight-gradient kernels split the work poorly (55
  // GFLOP/s for MobileNet-v2's 320 -> 1280 conv on 1x1, batch 128): MobileNet-v1 and v2 at
  // 32 px, batch 128, train 1.08-1.10x faster with the products (interleaved A/Bs). f32 grouped
  // 1x1 convs that record never get here (ops/grouped_pointwise_conv.h); bf16 ones do.
  constexpr int64_t kSmallMap = 16;
  p.grouped_pointwise_product =
      !depthwise && pointwise && !s.bias && ((s.opt.groups > 1 && ref) || s.h * s.w <= kSmallMap);
  p.bwd_weights = dnnl::convolution_backward_weights(p.bwd_weights_pd);
  p.has_backward = true;
}

std::shared_ptr<ConvPrimitives> primitives_for(const ConvShape& s, const memory::desc& x_md, dnnl::prop_kind prop,
                                               bool backward) {
  Key key("conv2d");
  key.add(x_md).add(s.o).add(s.kh).add(s.kw).add(s.opt.stride).add(s.opt.padding).add(s.opt.dilation)
      .add(s.opt.groups).add(static_cast<int64_t>(s.bias)).add(static_cast<int64_t>(prop))
      .add(static_cast<int64_t>(s.act)).add(static_cast<int64_t>(s.opt.post.alg))
      .add(std::bit_cast<uint32_t>(s.opt.post.alpha)).add(std::bit_cast<uint32_t>(s.opt.post.beta))
      .add(static_cast<int64_t>(s.opt.winograd));
  auto p = cached<ConvPrimitives>(key, [&] {
    ConvPrimitives built;
    built.fwd_pd = choose_fwd_pd(s, x_md, prop);
    built.fwd = dnnl::convolution_forward(built.fwd_pd);
    return built;
  });
  if (backward && !p->has_backward) build_backward(*p, s);
  return p;
}

// What conv2d's backward reads: the primitives, x and w as the forward ran them, and
// the layouts dx and dw go back to.
struct Conv2dSaved {
  std::shared_ptr<ConvPrimitives> p;
  ConvShape s;
  Tensor src;      // (N, C, H, W), in the forward's layout
  Tensor weights;  // in the forward's layout
  memory::desc x_md, w_md;
};

std::vector<Tensor> conv2d_backward(const Conv2dSaved& saved, const std::vector<Tensor>& dy,
                                    const std::vector<bool>& need);

}  // namespace

Var conv2d(const Var& x, const Var& w, const Var& b, const Conv2dOptions& options) {
  const ConvShape s = conv_shape(x.dims(), w.dims(), b.defined(), options);
  if (const auto crop = dead_tap_crop(s.h, s.w, s.kh, s.kw, options)) {
    Conv2dOptions cropped = options;
    cropped.padding = crop->padding;
    return conv2d(x, crop_kernel(w, *crop), b, cropped);
  }
  if (s.bias)
    MINNOW_CHECK(b.dims() == Dims{s.o}, "conv2d: expected bias dims [", s.o, "], got ", dims_str(b.dims()));
  const bool record = should_record({x, w, b});
  MINNOW_CHECK(!record || !options.post.defined(),
               "conv2d: an activation post-op is for inference only, got one on a conv that records for backward");
  if (runs_as_grouped_products(s.kh, s.kw, s.c, s.bias, options, record))
    return grouped_pointwise_conv(x, w, options.groups);
  const auto prop = record ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  const auto p = primitives_for(s, x.data().desc(), prop, record);

  const Tensor src = x.data().to_layout(p->fwd_pd.src_desc());
  const memory::desc& w_run = p->fwd_pd.weights_desc();
  // oneDNN reorders into a Winograd weight layout only from the plain one, and never out of one.
  const bool w_winograd = w.data().desc().data.format_kind == dnnl_format_kind_wino;
  MINNOW_CHECK(!w_winograd || w.data().desc() == w_run, "conv2d: the weight sits in the Winograd layout of another "
               "input shape, expected one this primitive can read (keep the plain weight; Conv2d keeps one copy "
               "per layout)");
  if (w_run.data.format_kind == dnnl_format_kind_wino && !w_winograd) (void)adopt_layout(w, plain_desc(w.dims()));
  // A bf16 conv converts the f32 weight, which keeps the same layout in f32.
  const Tensor weights = s.act == DType::f32 ? adopt_layout(w, w_run)
                                             : adopt_layout(w, with_dtype(w_run, DType::f32)).to_layout(w_run);
  Tensor y(p->fwd_pd.dst_desc());  // (N, O, OH, OW)
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src.memory()}, {DNNL_ARG_WEIGHTS, weights.memory()}, {DNNL_ARG_DST, y.memory()}};
  if (s.bias) args.emplace(DNNL_ARG_BIAS, b.data().to_layout(p->fwd_pd.bias_desc()).memory());
  execute_primitive(p->fwd, args);

  if (!record) return record_op("conv2d", {x, w, b}, y, nullptr);
  const memory::desc x_md = x.data().desc();
  const memory::desc w_md = w.data().desc();
  return record_op("conv2d", {x, w, b}, y,
                   [saved = Conv2dSaved{p, s, src, weights, x_md, w_md}](const auto& dy, const auto& need) {
                     return conv2d_backward(saved, dy, need);
                   });
}

namespace {

std::vector<Tensor> conv2d_backward(const Conv2dSaved& saved, const std::vector<Tensor>& dy,
                                    const std::vector<bool>& need) {
  const ConvPrimitives& p = *saved.p;
  const ConvShape& s = saved.s;
  std::vector<Tensor> grads(3);  // dx, dw, db
  if (need[0]) {
    const Tensor dy_bwd = dy[0].to_layout(p.bwd_data_pd.diff_dst_desc());
    Tensor dx(p.bwd_data_pd.diff_src_desc());  // (N, C, H, W)
    const Tensor w_bwd = reorder_weight(saved.weights, p.bwd_data_pd.weights_desc());
    execute_primitive(p.bwd_data, {{DNNL_ARG_DIFF_DST, dy_bwd.memory()},
                                   {DNNL_ARG_WEIGHTS, w_bwd.memory()},
                                   {DNNL_ARG_DIFF_SRC, dx.memory()}});
    grads[0] = dx.to_layout(saved.x_md);
  }
  if (need[1] && p.depthwise_weight_loop) {
    // The loop reads nChw16c as it is (the layout of f32 training), anything else as nhwc copies.
    const bool blocked = saved.src.desc() == nchw16c_f32(saved.src.dims());
    const auto layout = [&](const Dims& d) { return blocked ? nchw16c_f32(d) : nhwc_f32(d); };
    const Tensor x = saved.src.to_layout(layout(saved.src.dims()));
    const Tensor dy_loop = dy[0].to_layout(layout(dy[0].dims()));
    grads[1] = to_desc(depthwise_weight_grad(x, dy_loop, {s.kh, s.opt.stride, s.opt.padding, s.opt.dilation}),
                       saved.w_md);
  } else if (need[1] && p.grouped_pointwise_product) {
    grads[1] = to_desc(grouped_pointwise_weight_grad(saved.src, dy[0], s.opt.groups), saved.w_md);
  } else if (need[1] || need[2]) {
    const auto& pd = p.bwd_weights_pd;
    const Tensor dy_bwd = dy[0].to_layout(pd.diff_dst_desc());
    Tensor dw(pd.diff_weights_desc());  // (O, C/G, kH, kW) or (G, O/G, C/G, kH, kW)
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, saved.src.memory()},
                                         {DNNL_ARG_DIFF_DST, dy_bwd.memory()},
                                         {DNNL_ARG_DIFF_WEIGHTS, dw.memory()}};
    Tensor db;  // (O)
    if (s.bias) {
      db = Tensor(pd.diff_bias_desc());
      args.emplace(DNNL_ARG_DIFF_BIAS, db.memory());
    }
    execute_primitive(p.bwd_weights, args);
    grads[1] = to_desc(dw, saved.w_md);
    grads[2] = db;
  }
  return grads;
}

// The shape conv2d runs: kernel taps that meet only padding cut off.
ConvShape run_shape(const Tensor& x, const Dims& w_dims, bool bias, const Conv2dOptions& options) {
  ConvShape s = conv_shape(x.dims(), w_dims, bias, options);
  if (const auto crop = dead_tap_crop(s.h, s.w, s.kh, s.kw, options)) {  // as conv2d runs it
    Dims cropped = w_dims;
    cropped[cropped.size() - 2] = crop->kh;
    cropped.back() = crop->kw;
    Conv2dOptions o = options;
    o.padding = crop->padding;
    s = conv_shape(x.dims(), cropped, bias, o);
  }
  return s;
}

}  // namespace

Conv2dImpl conv2d_impl(const Tensor& x, const Dims& w_dims, bool bias, const Conv2dOptions& options) {
  const ConvShape s = run_shape(x, w_dims, bias, options);
  if (runs_as_grouped_products(s.kh, s.kw, s.c, s.bias, options, true)) {
    const std::string products = "minnow:grouped_pointwise_matmul";
    return {products, products, products, products, nhwc_f32(s.src())};
  }
  const auto p = primitives_for(s, x.desc(), dnnl::prop_kind::forward_training, true);
  return {p->fwd_pd.impl_info_str(), p->bwd_data_pd.impl_info_str(), p->bwd_weights_pd.impl_info_str(),
          p->weight_gradient(), p->fwd_pd.src_desc()};
}

memory::desc conv2d_inference_weights_desc(const Tensor& x, const Dims& w_dims, bool bias,
                                           const Conv2dOptions& options) {
  const ConvShape s = run_shape(x, w_dims, bias, options);
  return primitives_for(s, x.desc(), dnnl::prop_kind::forward_inference, false)->fwd_pd.weights_desc();
}

}  // namespace minnow
