// Calibration for the int8 QOperator form: the scales it needs where minnow's int8 model
// keeps a value exact (QAT observes no point there), measured by running the int8 model on
// calibration images: the classifier's s8 logits (1.25 max |logit| / 127) and, for each conv
// whose residual sum minnow fuses, its branch before the sum (max |branch| / 127).
#pragma once

#include <map>
#include <string>

#include "train/qat/int8_model.h"

namespace minnow::onnx_export {

struct Calibration {
  float logits_scale = 0.f;                   // 0: no images were given
  std::map<std::string, float> branch_scale;  // by conv step name
};

// images: (N, C, H, W) as the model takes them, or undefined (nothing measured).
Calibration calibrate_qoperator(const Int8Model& model, const Tensor& images);

}  // namespace minnow::onnx_export
