// Int8SeGate: the f32 island of a converted squeeze-and-excitation block. The int8 input is
// pooled to real (N, C) means, and the two small 1x1 convs run as s8_linear (f32 products over
// the QAT model's fake-quantized weights held as int8 and scales), each activation followed by
// its QAT quantizer's fake quantization, so the gate is the QAT model's. The product with the big
// int8 tensor is int8_gate_channels (ops/int8/channel_gate.h).
#pragma once

#include <string>

#include "models/layers.h"
#include "ops/int8/qtensor.h"
#include "ops/int8/s8_linear.h"
#include "ops/quant_params.h"

namespace minnow {

struct Int8SeFc {
  std::string name;      // the 1x1 conv's layer name, e.g. "features.4.block.2.fc1"
  S8Weights weights;     // the QAT model's fake-quantized weight (O, I) as int8 and scales
  Tensor bias;           // (O) f32
  ActivationKind activation = ActivationKind::relu;
  float scale = 1.f;     // the quantizer after the activation: its scale and integer range
  QuantRange range{};
};

struct Int8SeGate {
  Int8SeFc fc1, fc2;
  // x: (N, C, H, W) u8/s8. Returns the gate (N, C) f32 plain:
  //   fq2(act2(fc2(fq1(act1(fc1(mean_hw(x.scale q)))))))
  Tensor forward(const QTensor& x) const;
};

}  // namespace minnow
