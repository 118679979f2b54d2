// Int8Conv on oneDNN's int8 convolution_forward (forward_inference). Each input
// layout gets one cached primitive: oneDNN picks src/weights/dst layouts (format_tag
// any), an input already in a layout that runs the same kernel is kept, and a weight
// layout reordered before is reused whenever the kernel accepts it.
#include "ops/int8/conv.h"

#include <cstring>

#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "core/reorder.h"
#include "ops/layout.h"
#include "ops/primitive_cache.h"

namespace minnow {

using dnnl::memory;

struct Int8Conv::Primitive {
  dnnl::convolution_forward::primitive_desc pd;
  dnnl::convolution_forward conv;
  Tensor weights;  // s8 in pd.weights_desc()
  // The arguments every call passes as they are, wrapped once, and the layouts it reads.
  dnnl::memory weights_memory, bias_memory;  // bias_memory: empty without a bias
  memory::desc src_md, dst_md;               // pd's, queried once
};

namespace {

bool is_sum(Int8PostOp op) { return op == Int8PostOp::sum || op == Int8PostOp::sum_relu; }

int64_t conv_out_size(int64_t in, const Int8ConvOptions& o) { return (in + 2 * o.padding - o.kernel) / o.stride + 1; }

// The output's scale in the primitive: out_scale, or 1 for real-valued f32 outputs.
float dst_scale(const Int8ConvOptions& o) { return o.out_type == DType::f32 ? 1.f : o.out_scale; }

// What forward returns: requant's type and scale when set, else out_type and dst_scale.
DType result_type(const Int8ConvOptions& o) { return o.requant ? o.requant->type : o.out_type; }
float result_scale(const Int8ConvOptions& o) { return o.requant ? o.requant->scale : dst_scale(o); }

}  // namespace

bool requant_takes(Int8PostOp op) {
  // hardswish, swish and hardsigmoid chains followed by the requantization's round, clip and
  // linear gave other integers than the two steps (oneDNN 2.6, brgconv:avx512_core_vnni, hardswish
  // into u8 and s8): requant is kept to the post-ops checked bit for bit (tests/ops/test_int8_conv.cpp).
  return op == Int8PostOp::none || op == Int8PostOp::relu || op == Int8PostOp::relu6 || is_sum(op);
}

namespace {

void check_options(const Int8ConvOptions& o) {
  MINNOW_CHECK(o.in_channels >= 1 && o.out_channels >= 1 && o.groups >= 1 && o.in_channels % o.groups == 0 &&
                   o.out_channels % o.groups == 0,
               "Int8Conv: in_channels ", o.in_channels, " and out_channels ", o.out_channels,
               " must be positive and divide by groups ", o.groups);
  MINNOW_CHECK(o.kernel >= 1 && o.stride >= 1 && o.padding >= 0, "Int8Conv: expected kernel >= 1, stride >= 1, ",
               "padding >= 0, got kernel ", o.kernel, ", stride ", o.stride, ", padding ", o.padding);
  MINNOW_CHECK(o.batch >= 1 && o.height >= 1 && o.width >= 1 && conv_out_size(o.height, o) >= 1 &&
                   conv_out_size(o.width, o) >= 1,
               "Int8Conv: expected batch >= 1 and an input size at least the kernel ", o.kernel, " (padding ",
               o.padding, "), got batch ", o.batch, ", height ", o.height, ", width ", o.width);
  const Dims w_dims{o.out_channels, o.in_channels / o.groups, o.kernel, o.kernel};
  MINNOW_CHECK(o.weights.defined() && o.weights.dtype() == DType::s8 && o.weights.is_plain() &&
                   o.weights.dims() == w_dims,
               "Int8Conv: expected plain s8 weights ", dims_str(w_dims), ", got ",
               o.weights.defined() ? dtype_name(o.weights.dtype()) + std::string(" ") + dims_str(o.weights.dims()) +
                                         (o.weights.is_plain() ? "" : " (not plain)")
                                   : std::string("none"));
  MINNOW_CHECK(static_cast<int64_t>(o.w_scales.size()) == o.out_channels, "Int8Conv: expected ", o.out_channels,
               " w_scales, got ", o.w_scales.size());
  for (size_t c = 0; c < o.w_scales.size(); ++c)
    MINNOW_CHECK(o.w_scales[c] > 0.f, "Int8Conv: expected w_scales[", c, "] > 0, got ", o.w_scales[c]);
  MINNOW_CHECK(o.bias.empty() || static_cast<int64_t>(o.bias.size()) == o.out_channels, "Int8Conv: expected ",
               o.out_channels, " bias values or none, got ", o.bias.size());
  MINNOW_CHECK(o.in_type == DType::u8 || o.in_type == DType::s8, "Int8Conv: expected in_type u8 or s8, got ",
               dtype_name(o.in_type));
  MINNOW_CHECK(o.out_type == DType::u8 || o.out_type == DType::s8 || o.out_type == DType::f32,
               "Int8Conv: expected out_type u8, s8 or f32, got ", dtype_name(o.out_type));
  MINNOW_CHECK(o.in_scale > 0.f && dst_scale(o) > 0.f, "Int8Conv: expected in_scale > 0 and out_scale > 0, got ",
               o.in_scale, " and ", o.out_scale);
  MINNOW_CHECK(!is_sum(o.post_op) || o.residual_scale > 0.f, "Int8Conv: expected residual_scale > 0, got ",
               o.residual_scale);
  MINNOW_CHECK(!o.requant || (o.out_type != DType::f32 && o.requant->scale > 0.f && requant_takes(o.post_op) &&
                               (o.requant->type == DType::u8 || o.requant->type == DType::s8)),
               "Int8Conv: requant is for u8/s8 outputs after none, relu, relu6, sum or sum_relu, with type u8 or s8 ",
               "and scale > 0, got out_type ", dtype_name(o.out_type), ", post-op ", static_cast<int>(o.post_op),
               ", requant type ", o.requant ? dtype_name(o.requant->type) : "none", " and scale ",
               o.requant ? o.requant->scale : 0.f);
  MINNOW_CHECK(!o.residual_type || (is_sum(o.post_op) && o.out_type != DType::f32 &&
                                    (*o.residual_type == DType::u8 || *o.residual_type == DType::s8)),
               "Int8Conv: residual_type is for sum post-ops into u8/s8 outputs and must be u8 or s8, got ",
               o.residual_type ? dtype_name(*o.residual_type) : "none", " with out_type ", dtype_name(o.out_type));
}

// x's desc, after checking x against the options.
const memory::desc& input_checked(const Int8ConvOptions& o, const QTensor& x) {
  const Dims x_dims = x.data.dims();
  MINNOW_CHECK(x_dims.size() == 4 && x_dims[1] == o.in_channels, "Int8Conv: expected input dims (N, ",
               o.in_channels, ", H, W), got ", dims_str(x_dims));
  MINNOW_CHECK(x.data.dtype() == o.in_type && x.scale == o.in_scale, "Int8Conv: expected a ", dtype_name(o.in_type),
               " input with scale ", o.in_scale, ", got ", dtype_name(x.data.dtype()), " with scale ", x.scale);
  return x.data.desc();
}

// The type the sum post-op reads the residual as: residual_type, else the output's.
DType residual_type(const Int8ConvOptions& o) { return o.residual_type.value_or(o.out_type); }

// Post-ops that are not scale-free see real units; a last eltwise linear moves them to the output's.
bool real_units(Int8PostOp op) { return op == Int8PostOp::hardswish || op == Int8PostOp::swish; }

dnnl::primitive_attr make_attr(const Int8ConvOptions& o) {
  const float out = dst_scale(o);
  const float oscale_out = real_units(o.post_op) ? 1.f : out;
  std::vector<float> scales(o.w_scales.size());
  for (size_t c = 0; c < scales.size(); ++c) scales[c] = o.in_scale * o.w_scales[c] / oscale_out;
  dnnl::primitive_attr attr;
  attr.set_output_scales(1 << 1, scales);
  dnnl::post_ops ops;
  switch (o.post_op) {
    case Int8PostOp::none: break;
    case Int8PostOp::relu: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f); break;
    case Int8PostOp::relu6: ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 6.f / out); break;
    case Int8PostOp::sum:
    case Int8PostOp::sum_relu:
      if (o.out_type == DType::f32)
        ops.append_sum(1.f);
      else
        ops.append_sum(o.residual_scale / out, to_dnnl(residual_type(o)));
      if (o.post_op == Int8PostOp::sum_relu) ops.append_eltwise(1.f, dnnl::algorithm::eltwise_relu, 0.f, 0.f);
      break;
    case Int8PostOp::hardswish:
    case Int8PostOp::swish:
      ops.append_eltwise(1.f, o.post_op == Int8PostOp::swish ? dnnl::algorithm::eltwise_swish
                                                            : dnnl::algorithm::eltwise_hardswish, 1.f, 0.f);
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, 1.f / out, 0.f);
      break;
    case Int8PostOp::hardsigmoid:
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, 1.f / 6.f, 0.5f / out);
      ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, 0.f, 1.f / out);
      break;
  }
  if (o.requant) {
    const bool u8 = o.out_type == DType::u8;
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_round, 0.f, 0.f);
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_clip, u8 ? 0.f : -128.f, u8 ? 255.f : 127.f);
    ops.append_eltwise(1.f, dnnl::algorithm::eltwise_linear, o.out_scale / o.requant->scale, 0.f);
  }
  attr.set_post_ops(ops);
  return attr;
}

}  // namespace

Int8Conv::Int8Conv(Int8ConvOptions options) : options_(std::move(options)) {
  check_options(options_);
  const auto& o = options_;
  if (!o.bias.empty()) {
    std::vector<float> scaled(o.bias.size());
    for (size_t c = 0; c < scaled.size(); ++c) scaled[c] = o.bias[c] / (o.in_scale * o.w_scales[c]);
    bias_ = Tensor::from_plain({o.out_channels}, scaled);  // (O)
  }
  attr_ = std::make_shared<const dnnl::primitive_attr>(make_attr(o));
  primitive_for(memory::desc({o.batch, o.in_channels, o.height, o.width}, to_dnnl(o.in_type), memory::format_tag::any));
}

std::shared_ptr<const Int8Conv::Primitive> Int8Conv::primitive_for(const memory::desc& x_md) const {
  std::lock_guard lock(cache_->mutex);
  auto& primitives = cache_->primitives;
  auto& weights = cache_->weights;
  for (const auto& [md, built] : primitives)
    if (md == x_md) return built;

  const auto& o = options_;
  const Dims x = x_md.dims();
  const Dims y{x[0], o.out_channels, conv_out_size(x[2], o), conv_out_size(x[3], o)};
  const Dims w = o.groups == 1 ? Dims{o.out_channels, o.in_channels, o.kernel, o.kernel}
                               : Dims{o.groups, o.out_channels / o.groups, o.in_channels / o.groups, o.kernel, o.kernel};
  const memory::desc bias_md = bias_.defined() ? bias_.desc() : memory::desc();
  auto make = [&](const memory::desc& src_md, const memory::desc& w_md) {
    const dnnl::convolution_forward::desc d(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct, src_md, w_md, bias_md,
        memory::desc(y, to_dnnl(result_type(o)), memory::format_tag::any), {o.stride, o.stride}, {o.padding, o.padding},
        {o.padding, o.padding});
    return dnnl::convolution_forward::primitive_desc(d, *attr_, cpu_engine());
  };
  // Runs make(src_md, w_md) in place of chosen when it gives the same kernel.
  auto prefer = [&](dnnl::convolution_forward::primitive_desc& chosen, const memory::desc& src_md,
                    const memory::desc& w_md) {
    try {
      auto alt = make(src_md, w_md);
      if (std::string_view(alt.impl_info_str()) == chosen.impl_info_str()) chosen = alt;
    } catch (const dnnl::error&) {
    }
  };
  const memory::desc w_any(w, dt::s8, memory::format_tag::any);
  auto pd = make(memory::desc(x, to_dnnl(o.in_type), memory::format_tag::any), w_any);
  const bool keep_input = x_md.data.format_kind == dnnl_blocked && x_md != pd.src_desc() &&
                          x_md != plain_desc(x, o.in_type);
  if (keep_input) prefer(pd, x_md, w_any);
  for (const auto& held : weights) {
    if (held.second.desc() == pd.weights_desc()) break;
    prefer(pd, pd.src_desc(), held.second.desc());
  }
  const std::string w_key = Key("w").add(pd.weights_desc()).str();
  if (!weights.contains(w_key)) weights.emplace(w_key, reorder_weight(o.weights.reshape(w), pd.weights_desc()));
  const Tensor& w_held = weights.at(w_key);
  auto built = std::make_shared<const Primitive>(Primitive{pd, dnnl::convolution_forward(pd), w_held, w_held.memory(),
                                                           bias_.defined() ? bias_.memory() : dnnl::memory(),
                                                           pd.src_desc(), pd.dst_desc()});
  primitives.emplace_back(x_md, built);
  if (pd.src_desc() != x_md) primitives.emplace_back(pd.src_desc(), built);
  return built;
}

void Int8Conv::check_residual(const QTensor* residual, const memory::desc& y_md) const {
  const auto& o = options_;
  if (!is_sum(o.post_op)) {
    MINNOW_CHECK(residual == nullptr, "Int8Conv: a residual was given but the post-op is not a sum");
    return;
  }
  MINNOW_CHECK(residual != nullptr && residual->data.dims() == y_md.dims(), "Int8Conv: the sum post-op expects a ",
               "residual of dims ", dims_str(y_md.dims()), ", got ",
               residual ? dims_str(residual->data.dims()) : std::string("none"));
  MINNOW_CHECK(residual->scale == o.residual_scale, "Int8Conv: expected a residual with scale ", o.residual_scale,
               ", got ", residual->scale);
  const DType r_type = residual_type(o);
  MINNOW_CHECK(o.out_type == DType::f32 || residual->data.dtype() == r_type, "Int8Conv: expected a ",
               dtype_name(r_type), " residual (residual_type, else the output's type), got ",
               dtype_name(residual->data.dtype()));
}

QTensor Int8Conv::forward(const QTensor& x, const QTensor* residual) const {
  const auto& o = options_;
  const auto p = primitive_for(input_checked(o, x));
  const memory::desc& y_md = p->dst_md;
  check_residual(residual, y_md);
  Tensor y;  // (N, O, OH, OW)
  if (!is_sum(o.post_op)) {
    y = Tensor(y_md);
  } else if (o.out_type == DType::f32) {
    y = reorder_scaled(residual->data, y_md, {residual->scale});
  } else {
    // The residual's integers in the output's layout; the sum reads the buffer as its type.
    const Tensor staged = residual->data.to_layout(with_dtype(y_md, residual_type(o)));
    y = Tensor(y_md);
    std::memcpy(y.raw(), staged.raw(), y.bytes());
  }
  return run(*p, x, y);
}

QTensor Int8Conv::forward(const QTensor& x, QTensor&& residual) const {
  const auto& o = options_;
  const auto p = primitive_for(input_checked(o, x));
  check_residual(&residual, p->dst_md);
  const bool in_place = o.out_type != DType::f32 && residual.data.sole_owner() &&
                        residual.data.desc() == with_dtype(p->dst_md, residual_type(o));
  if (!in_place) return forward(x, &residual);
  const Tensor buffer = std::move(residual.data);
  return run(*p, x, buffer.view(p->dst_md));
}

QTensor Int8Conv::run(const Primitive& p, const QTensor& x, const Tensor& y) const {
  const Tensor src = x.data.to_layout(p.src_md);
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, src.memory()}, {DNNL_ARG_WEIGHTS, p.weights_memory}, {DNNL_ARG_DST, y.memory()}};
  if (bias_.defined()) args.emplace(DNNL_ARG_BIAS, p.bias_memory);
  execute_primitive(p.conv, args);
  return {y, result_scale(options_)};
}

std::string Int8Conv::impl(const Dims& x_dims) const {
  return primitive_for(memory::desc(x_dims, to_dnnl(options_.in_type), memory::format_tag::any))->pd.impl_info_str();
}

memory::desc Int8Conv::input_desc(const Dims& x_dims) const {
  return primitive_for(memory::desc(x_dims, to_dnnl(options_.in_type), memory::format_tag::any))->src_md;
}

}  // namespace minnow
