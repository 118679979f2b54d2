// Int8SeGate::forward: the int8 global pooling's real output, then each fc as one oneDNN
// inner product with its activation as a post-op, reading the plain weight as it is, and the
// fc's fake quantization. Before, each fc was a dequantize, a Linear (inner product, with a copy
// of the input) and a separate activation. MobileNet-v3 small at 224 px, batch 1: 23-28 us a
// fc before, about 20 after, of which the inner product itself takes 5-15.
#include "train/qat/int8_se_gate.h"

#include <optional>
#include <unordered_map>

#include "core/engine.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "core/primitive_timer.h"
#include "ops/fake_quant.h"
#include "ops/int8/pool.h"
#include "ops/primitive_cache.h"

namespace minnow {

using dnnl::algorithm;
using dnnl::memory;

namespace {

// The activation as oneDNN eltwise post-ops: the conv's own (models/layers.h), and for
// hardsigmoid, which has none there, the two passes of ops/eltwise.cpp, clip(x / 6 + 1/2, 0, 1).
void append_activation(dnnl::post_ops& ops, ActivationKind kind) {
  if (const std::optional<ConvPostOp> post = activation_post_op(kind)) {
    ops.append_eltwise(1.f, post->alg, post->alpha, post->beta);
    return;
  }
  MINNOW_CHECK(kind == ActivationKind::hardsigmoid, "Int8SeGate: no post-op for activation ", activation_name(kind));
  ops.append_eltwise(1.f, algorithm::eltwise_linear, 1.f / 6, 0.5f);
  ops.append_eltwise(1.f, algorithm::eltwise_clip_v2, 0.f, 1.f);
}

// act(x W^T + b) for plain x (N, I), weight (O, I), bias (O) or none, y (N, O). (The quantizer
// stays out: in oneDNN 2.6 a chain with a second eltwise_linear ran it with the first one's
// alpha, as if the chain kept one injector per algorithm.)
std::shared_ptr<dnnl::inner_product_forward> fc_primitive(const Int8SeFc& fc, const memory::desc& x_md) {
  const memory::desc b_md = fc.bias.defined() ? fc.bias.desc() : memory::desc();
  Key key("int8_se_fc");
  key.add(x_md).add(fc.weight.desc()).add(b_md).add(static_cast<int64_t>(fc.activation));
  return cached<dnnl::inner_product_forward>(key, [&] {
    dnnl::post_ops ops;
    append_activation(ops, fc.activation);
    dnnl::primitive_attr attr;
    attr.set_post_ops(ops);
    const dnnl::inner_product_forward::desc desc(dnnl::prop_kind::forward_inference, x_md, fc.weight.desc(), b_md,
                                                 plain_desc({x_md.dims()[0], fc.weight.dim(0)}));
    return dnnl::inner_product_forward(dnnl::inner_product_forward::primitive_desc(desc, attr, cpu_engine()));
  });
}

// x: (N, I) f32 plain. Returns fq(act(x W^T + b)), (N, O) f32 plain, fq the fc's quantizer.
Tensor run_fc(const Int8SeFc& fc, const Tensor& x) {
  MINNOW_CHECK(x.dtype() == DType::f32 && x.is_plain() && x.ndims() == 2, "Int8SeGate: ", fc.name,
               " expected a plain f32 input (N, I), got ", dtype_name(x.dtype()), " ", dims_str(x.dims()));
  MINNOW_CHECK(fc.weight.dtype() == DType::f32 && fc.weight.is_plain() && fc.weight.ndims() == 2 &&
                   fc.weight.dim(1) == x.dim(1) &&
                   (!fc.bias.defined() || (fc.bias.dtype() == DType::f32 && fc.bias.is_plain() &&
                                           fc.bias.dims() == Dims({fc.weight.dim(0)}))),
               "Int8SeGate: ", fc.name, " expected a plain f32 weight (O, ", x.dim(1), ") and bias (O) or none, got ",
               dims_str(fc.weight.dims()), " and ", fc.bias.defined() ? dims_str(fc.bias.dims()) : "none");
  const auto p = fc_primitive(fc, x.desc());
  Tensor y(plain_desc({x.dim(0), fc.weight.dim(0)}));
  std::unordered_map<int, memory> args{
      {DNNL_ARG_SRC, x.memory()}, {DNNL_ARG_WEIGHTS, fc.weight.memory()}, {DNNL_ARG_DST, y.memory()}};
  if (fc.bias.defined()) args.emplace(DNNL_ARG_BIAS, fc.bias.memory());
  execute_primitive(*p, args);
  return fake_quant_per_tensor(Var(y), fc.scale, 0, fc.range).data();
}

}  // namespace

Tensor Int8SeGate::forward(const QTensor& x) const {
  const NoGrad no_grad;
  const QTensor pooled = int8_global_avg_pool(x, DType::f32);  // (N, C, 1, 1) real, plain
  const Dims d = pooled.data.dims();
  const Tensor hidden = run_fc(fc1, pooled.data.reshape({d[0], d[1]}));  // (N, S)
  return run_fc(fc2, hidden);                                             // (N, C)
}

}  // namespace minnow
