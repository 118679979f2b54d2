// Int8SeGate::forward: the int8 global pooling's real output, then dequantized_linear (the
// classifier's f32 Linear), the activation and the fake quantization, twice; recording off.
#include "train/qat/int8_se_gate.h"

#include "core/grad_mode.h"
#include "ops/fake_quant.h"
#include "ops/int8/classifier.h"
#include "ops/int8/pool.h"

namespace minnow {
namespace {

Tensor run_fc(const Int8SeFc& fc, const QTensor& x) {
  const Var y = apply_activation(fc.activation, Var(dequantized_linear(x, fc.weight, fc.bias)));
  return fake_quant_per_tensor(y, fc.scale, 0, fc.range).data();  // (N, O)
}

}  // namespace

Tensor Int8SeGate::forward(const QTensor& x) const {
  const NoGrad no_grad;
  const QTensor pooled = int8_global_avg_pool(x, DType::f32);  // (N, C, 1, 1) real
  const Tensor hidden = run_fc(fc1, pooled);                   // (N, S)
  const Tensor gate = run_fc(fc2, {hidden, 1.f});              // (N, C)
  return gate.is_plain() ? gate : gate.to_layout(plain_desc(gate.dims()));
}

}  // namespace minnow
