// calibrate_qoperator: one int8 forward that shows each fused-sum conv its input; a copy of
// that conv with no post-op and an f32 output gives the branch.
#include "deploy/onnx/calibrate.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace minnow::onnx_export {

Calibration calibrate_qoperator(const Int8Model& model, const Tensor& images) {
  Calibration c;
  if (!images.defined()) return c;
  std::map<std::string, float> branch_max;
  const Tensor logits = model.forward(images, [&](const Int8Step& s, const std::vector<QTensor>& inputs) {
    if (s.kind != Int8Step::Kind::conv || inputs.size() < 2) return;
    Int8ConvOptions o = s.conv->options();
    o.out_type = DType::f32;
    o.post_op = Int8PostOp::none;
    o.residual_type = std::nullopt;
    const std::vector<float> branch = dequantize(Int8Conv(o).forward(inputs[0])).to_plain();
    float& m = branch_max[s.name];
    for (float v : branch) m = std::max(m, std::abs(v));
  });
  float largest = 0.f;
  for (float v : logits.to_plain()) largest = std::max(largest, std::abs(v));
  MINNOW_CHECK(largest > 0.f, "export: the calibration images give all-zero logits");
  c.logits_scale = 1.25f * largest / 127.f;
  for (const auto& [name, m] : branch_max) c.branch_scale[name] = std::max(m, 1e-6f) / 127.f;
  return c;
}

}  // namespace minnow::onnx_export
