// Int8Model: the real int8 inference form of a QAT-trained model, as steps over numbered
// values, each an int8 tensor with its per-tensor point (type and scale, zero point 0) or an
// f32 one (the pooled features and the logits). convert_int8 builds it from the model's
// inference graph (models/graph.h), so every zoo family converts by what it computes:
//   - conv -> BN -> activation chains are Int8Convs: BN folded in, weights s8 per output
//     channel from the QAT model's own weight quantizers, the activation (ReLU, ReLU6,
//     hardswish, SiLU, hardsigmoid) fused, the output requantized to the QAT model's observer
//     (u8 after ReLU/ReLU6, s8 elsewhere);
//   - a residual sum is the sum post-op of the conv that ends its branch (then ReLU when the
//     block has one), reading the shortcut as its own type; a sum of two quantized values is
//     an int8 add;
//   - concat, split, channel shuffle and max/avg pooling are int8 primitives; a join is
//     requantized once, to the point of the quantizer after it (a ReLU after the join is the
//     u8 saturation);
//   - a squeeze-and-excitation block is an f32 island for its gate only (Int8SeGate: pooled
//     means, the two small fcs with fake-quantized weights) and one int8 pass that multiplies
//     the int8 input by the gate and requantizes it to the quantizer after the product;
//   - global pooling gives f32 features and the classifier (the small head, its activations
//     included) runs in f32 with its fake-quantized weights (held as int8 and scales).
// The image enters as QuantizeLinear does: q = saturate(round(x / input scale)).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "models/module.h"
#include "ops/int8/conv.h"
#include "ops/int8/pool2d.h"
#include "ops/int8/qtensor.h"
#include "ops/int8/s8_linear.h"
#include "train/qat/int8_se_gate.h"

namespace minnow {

struct Int8Point {
  DType type = DType::s8;  // u8, s8, or f32 (real values, scale 1)
  float scale = 1.f;
};

struct Int8Step {
  enum class Kind {
    quantize,         // inputs[0]: the f32 image -> outputs[0] at its point
    conv,             // Int8Conv; a sum post-op adds inputs[1], the residual
    add,              // int8 add of inputs[0] and inputs[1], then ReLU when relu
    requantize,       // inputs[0] to outputs[0]'s point
    concat,           // along channels, requantized to the output's point
    split,            // along channels, the sizes of the outputs
    channel_shuffle,  // groups
    pool,             // max or avg pooling
    global_avg_pool,  // -> f32 features (N, C)
    linear,           // f32 features -> f32 logits: weight (K, C), bias (K) or undefined
    activation,       // on an f32 value of the head (MobileNet-v3's hardswish between its Linears)
    gate,             // squeeze-and-excitation: inputs[0] times gate->forward(inputs[0]), requantized
  };
  Kind kind = Kind::conv;
  std::string name{};  // the layer or block it comes from
  std::vector<int> inputs{}, outputs{};
  std::shared_ptr<const Int8Conv> conv{};  // conv
  Int8Pool2dOptions pool{};              // pool
  int64_t groups = 0;                    // channel_shuffle
  bool relu = false;                     // add
  Tensor weight{}, bias{};               // linear: the fake-quantized weight (w_scales[k] q) and bias
  std::vector<float> w_scales{};         // linear: the weight quantizer's scale per output (K)
  ActivationKind activation = ActivationKind::relu;  // activation
  std::shared_ptr<const Int8SeGate> gate{};          // gate
};

class Int8Model {
 public:
  // images: (N, C, H, W) f32, normalised as in training. Returns the (N, K) f32 logits.
  Tensor forward(const Tensor& images) const;
  // The same, showing each step its inputs before it runs (calibration for export).
  using StepObserver = std::function<void(const Int8Step& step, const std::vector<QTensor>& inputs)>;
  Tensor forward(const Tensor& images, const StepObserver& observe) const;

  const std::vector<Int8Step>& steps() const { return steps_; }
  const Int8Point& point(int value) const { return points_.at(static_cast<size_t>(value)); }
  // The value's dims at the batch size the model was converted for.
  const Dims& dims(int value) const { return dims_.at(static_cast<size_t>(value)); }
  int input() const { return 0; }  // the f32 image
  int output() const { return output_; }
  int64_t num_convs() const;

  // Every int8 tensor of the model, for the safetensors export: "<conv>.weight" s8
  // (O, I/g, kh, kw), "<conv>.weight_scale" (O), "<conv>.bias" f32 (O) (real units, BN
  // folded in), "<step>.output_scale" (1) for each int8 step, "input_scale", the f32
  // classifier's "<linear>.weight" / ".bias", and each squeeze-and-excitation gate's f32
  // "<fc>.weight" (O, I) (fake-quantized), "<fc>.bias" and "<fc>.output_scale" (the quantizer
  // after the fc's activation) for its fc1 and fc2.
  struct NamedTensor {
    std::string name;
    Tensor tensor;
  };
  std::vector<NamedTensor> tensors() const;

 private:
  friend class Int8Converter;
  // What forward runs where it differs from the steps as written (which the export writes, and
  // which compute the same values):
  //   joined_: for each conv whose output only a concatenation (or a requantize step) reads, at
  //     another point, the conv with that requantization fused (Int8ConvOptions::requant), so the
  //     join only copies: the same integers;
  //   linear_: for each linear step, its fake-quantized weight as int8 and scales (s8_linear):
  //     the same weights, summed in another order.
  void plan();

  std::vector<Int8Step> steps_;
  std::vector<Int8Point> points_;
  std::vector<Dims> dims_;
  int output_ = 0;
  std::vector<std::shared_ptr<const Int8Conv>> joined_;  // per step: what forward runs for a conv, or null
  std::vector<std::shared_ptr<const S8Weights>> linear_;  // per step: a linear step's weights, or null
};

// model: prepared by prepare_qat and trained (eval mode is set here); input_dims:
// (N, C, H, W) the model is traced and its convs first built for (other sizes work).
// Errors name the layer or block the int8 form does not cover.
std::unique_ptr<Int8Model> convert_int8(Module& model, const Dims& input_dims);

}  // namespace minnow
