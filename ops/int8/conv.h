// Int8Conv: an inference-only int8 2-D convolution (normal, grouped, depthwise,
// pointwise) on oneDNN 2.6's int8 convolution, with the layer's requantization and
// post-op fused. Built once from plain options; the weights are reordered once into
// the layout the kernel wants and each input shape's primitive is cached.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ops/int8/qtensor.h"

namespace minnow {

// What runs after the convolution and its bias, all in real units:
//   relu:      y = max(conv, 0)
//   relu6:     y = min(max(conv, 0), 6)
//   sum:       y = conv + residual
//   sum_relu:  y = max(conv + residual, 0)
//   hardswish: y = conv relu6(conv + 3) / 6
//   swish:     y = conv sigmoid(conv) (SiLU)
//   hardsigmoid: y = relu6(conv + 3) / 6
enum class Int8PostOp { none, relu, relu6, sum, sum_relu, hardswish, swish, hardsigmoid };

struct Int8Requant {
  DType type = DType::u8;  // u8 or s8
  float scale = 1.f;       // > 0
};

struct Int8ConvOptions {
  int64_t in_channels = 0, out_channels = 0;
  int64_t kernel = 1, stride = 1, padding = 0, groups = 1;  // depthwise: groups == in == out channels
  // The input's spatial size: the constructor builds the primitive for (batch, in_channels,
  // height, width) and reorders the weights into its layout. Other input dims work too.
  int64_t batch = 1, height = 0, width = 0;

  Tensor weights;                // s8 (out_channels, in_channels / groups, kernel, kernel), plain
  std::vector<float> w_scales;   // (out_channels), > 0: real weight = w_scales[o] * q
  std::vector<float> bias;       // (out_channels) real units (BN folded in), or empty

  DType in_type = DType::u8;     // u8 or s8
  float in_scale = 1.f;
  DType out_type = DType::u8;    // u8, s8, or f32 (real values, out_scale ignored)
  float out_scale = 1.f;
  Int8PostOp post_op = Int8PostOp::none;
  float residual_scale = 1.f;    // sum post-ops: the residual's scale
  // Sum post-ops into u8/s8 outputs: the residual's type (u8 or s8), out_type when unset.
  // An s8 shortcut can sum into a u8 output after ReLU (ResNet's downsample blocks).
  std::optional<DType> residual_type;
  // A second quantization after the output's, for u8/s8 outputs: the conv returns
  //   q' = saturate(round_half_even(q * (out_scale / requant->scale))) in requant->type,
  // q the output described above (saturated to out_type), with scale requant->scale: what
  // int8_concat (ops/int8/concat.h) computes when it requantizes q into a concatenation at that
  // point, done in the conv's own pass over its output. Only after the post-ops requant_takes.
  std::optional<Int8Requant> requant;
};

// Whether requant may follow post-op op: none, relu, relu6, sum and sum_relu.
bool requant_takes(Int8PostOp op);

// How the options map onto oneDNN 2.6 (dst = post_ops(oscale * (acc + bias')), then
// round half to even and saturate to out_type), with acc the s32 sum of q_x q_w:
//   real conv = in_scale w_scales[o] (acc + bias[o] / (in_scale w_scales[o]))
//   oscale[o] = in_scale w_scales[o] / out_scale     (per channel, mask 1 << 1)
//   bias'[o]  = bias[o] / (in_scale w_scales[o])     (2.x adds the bias before scaling)
// so the post-ops see real / out_scale, and their constants move to that domain:
//   relu6 -> clip(0, 6 / out_scale);  relu -> relu (0 is scale-free)
//   hardswish, swish -> oscale without 1 / out_scale (real units), the eltwise, then
//            linear(1 / out_scale) (neither is scale-free);
//   hardsigmoid (2.6 has none) -> linear(1 / 6, 0.5 / out_scale), clip(0, 1 / out_scale)
//   sum   -> sum with scale residual_scale / out_scale on the residual's integers,
//            which are first copied into the output buffer (oneDNN sums in place), or
//            are the output buffer when forward takes the residual over;
//            the sum reads them as residual_type (append_sum's data type)
//   requant -> round (half to even), clip to out_type's range, linear(out_scale / requant->scale),
//            with dst of requant->type: the two roundings and saturations of q'
// For f32 outputs out_scale is 1 and the buffer is prefilled with the real residual.
class Int8Conv {
 public:
  explicit Int8Conv(Int8ConvOptions options);

  // x: (N, in_channels, H, W) of in_type with scale exactly in_scale, in any layout (the layout
  // the previous Int8Conv returned runs without a reorder). residual: for sum post-ops,
  // a QTensor of the output's dims, residual_scale and residual_type, in any layout. Returns
  // (N, out_channels, H', W') in the layout the kernel chose, with scale out_scale
  // (1 for f32; requant's type and scale when set), H' = (H + 2 padding - kernel) / stride + 1.
  QTensor forward(const QTensor& x, const QTensor* residual = nullptr) const;
  // The same for sum post-ops, taking the residual over: when no other tensor shares its buffer
  // and it is in the output's layout, the sum is written over it (no copy into a new output).
  QTensor forward(const QTensor& x, QTensor&& residual) const;

  // The oneDNN implementation, e.g. "brgconv_1x1:avx512_core_amx_int8", and the input
  // layout the kernel runs on, for input dims x_dims.
  std::string impl(const Dims& x_dims) const;
  dnnl::memory::desc input_desc(const Dims& x_dims) const;

  const Int8ConvOptions& options() const { return options_; }

 private:
  struct Primitive;
  // Built primitives by input desc (a handful per conv, found by desc equality: no key string
  // per call) and reordered weights by weight desc. Shared by copies of this Int8Conv (its
  // options never change), which keeps the class copyable.
  struct Cache {
    std::mutex mutex;
    std::vector<std::pair<dnnl::memory::desc, std::shared_ptr<const Primitive>>> primitives;
    std::map<std::string, Tensor> weights;
  };
  std::shared_ptr<const Primitive> primitive_for(const dnnl::memory::desc& x_md) const;
  // forward with the residual's integers already in y (sum post-ops) or y fresh.
  QTensor run(const Primitive& p, const QTensor& x, const Tensor& y) const;
  void check_residual(const QTensor* residual, const dnnl::memory::desc& y_md) const;

  Int8ConvOptions options_;
  Tensor bias_;  // f32 (O): bias' above, or undefined
  std::shared_ptr<const dnnl::primitive_attr> attr_;
  std::shared_ptr<Cache> cache_ = std::make_shared<Cache>();
};

}  // namespace minnow
