// Int8SeGate: the f32 island of a converted squeeze-and-excitation block. The int8 input is
// pooled to real (N, C) means, and the two small 1x1 convs run as f32 matrix-vector loops with
// the QAT model's fake-quantized weights (held as int8 and scales), each activation followed by
// its QAT quantizer's fake quantization, so the gate is the QAT model's. The product with the big
// int8 tensor is int8_gate_channels (ops/int8/channel_gate.h).
#pragma once

#include <string>
#include <vector>

#include "models/layers.h"
#include "ops/int8/qtensor.h"
#include "ops/quant_params.h"

namespace minnow {

struct Int8SeFc {
  std::string name;      // the 1x1 conv's layer name, e.g. "features.4.block.2.fc1"
  // The QAT model's fake-quantized weight w (O, I), w[o, i] = w_scales[o] q[o, i] (symmetric, per
  // output), held as q transposed: s8 (I, O), see se_fc_weights. Input i's weights to every output
  // are one contiguous row, which the fc's loop reads in one vector pass, at a quarter of w's bytes.
  Tensor q_t;
  std::vector<float> w_scales;  // (O), > 0
  Tensor bias;                  // (O) f32
  ActivationKind activation = ActivationKind::relu;
  float scale = 1.f;     // the quantizer after the activation: its scale and integer range
  QuantRange range{};

  // w, f32 (O, I): w_scales[o] q_t[i, o], the floats the QAT model's weight quantizer gave.
  Tensor weight() const;
};

// q_t for a fake-quantized weight w, plain f32 (O, I), with per-output scales (O): quantize_weights
// (ops/int8/qtensor.h) of w, transposed to s8 (I, O).
Tensor se_fc_weights(const Tensor& w, const std::vector<float>& w_scales);

struct Int8SeGate {
  Int8SeFc fc1, fc2;
  // x: (N, C, H, W) u8/s8. Returns the gate (N, C) f32 plain:
  //   fq2(act2(fc2(fq1(act1(fc1(mean_hw(x.scale q)))))))
  Tensor forward(const QTensor& x) const;
};

}  // namespace minnow
