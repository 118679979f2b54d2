// Calibration for the int8 QOperator form: the scales it needs where minnow's int8 model
// keeps a value exact (QAT observes no point there), measured by running the int8 model on
// calibration images: the classifier's s8 logits and, for each conv whose residual sum minnow
// fuses, its branch before the sum. Each range is the 95th percentile over the images of each
// image's largest |value| (1.25 times that for the logits), over 127: a few outlier images
// saturate instead of coarsening every other image's values.
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
