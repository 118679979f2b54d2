// Int8Model: the real int8 inference form of a QAT-trained MobileNet-v1 or -v2, on
// oneDNN int8 convolutions (ops/int8). convert_int8 folds each BN into its conv,
// quantizes the folded weights to s8 per output channel with the QAT model's own weight
// quantizers, and takes every activation scale from the QAT model's observers, so the
// int8 model computes what the fake-quant model simulates: the same requantization
// points, u8 after ReLU/ReLU6, s8 elsewhere; ReLU/ReLU6 fused into the convs; residual
// sums fused into the projection conv (a sum post-op). Global pooling and the small
// classifier run in f32.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "models/module.h"
#include "ops/int8/conv.h"
#include "ops/int8/qtensor.h"

namespace minnow {

class Int8Model {
 public:
  // A step of the body: a conv, or a residual block (its steps; the last adds the block's input).
  struct Step {
    std::unique_ptr<Int8Conv> conv;
    std::vector<Step> residual_body;
    DType out_type = DType::s8;
    float out_scale = 1.0f;
  };

  // images: (N, C, H, W) f32, normalised as in training. Returns the (N, K) f32 logits.
  Tensor forward(const Tensor& images) const;

  // Every int8 tensor of the model, for export: "<conv>.weight" s8 (O, I/g, kh, kw),
  // "<conv>.weight_scale" (O), "<conv>.bias" f32 (O), "<point>.scale" (1) per activation.
  struct NamedTensor {
    std::string name;
    Tensor tensor;
  };
  const std::vector<NamedTensor>& tensors() const { return tensors_; }
  int64_t num_convs() const { return num_convs_; }

 private:
  friend std::unique_ptr<Int8Model> convert_int8(Module& model, const Dims& input_dims);

  DType input_type_ = DType::s8;
  float input_scale_ = 1.0f;
  std::vector<Step> body_;
  Tensor fc_weight_, fc_bias_;  // (K, C), (K) f32: the fake-quantized classifier weight
  std::vector<NamedTensor> tensors_;
  int64_t num_convs_ = 0;
};

// model: prepared by prepare_qat and trained (eval mode is set here); input_dims:
// (N, C, H, W) the convs are first built for (other sizes work, built on first use).
// Errors name the module the int8 form does not cover.
std::unique_ptr<Int8Model> convert_int8(Module& model, const Dims& input_dims);

}  // namespace minnow
