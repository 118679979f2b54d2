// ONNX export of a minnow model, built with the ONNX protobuf classes of Debian's
// libonnx-dev and validated by onnx::checker and shape inference before it is written
// (atomically). The graph comes from one traced forward (models/graph.h).
//   float:  every layer in f32 at opset 10, each BN folded into the conv before it; ReLU6 is
//           Clip with min/max attributes (OpenCV 4.6 refuses Clip's input form); a QAT
//           model's quantizers are left out (its float weights are exported).
//   int8:   the converted int8 model (train/qat/int8_model.h) in one of two forms:
//           qoperator: QuantizeLinear, QLinearConv (per-channel w_scale), com.microsoft
//             QLinearAdd / QLinearConcat / QLinearAveragePool / QLinearGlobalAveragePool, and
//             split, shuffle and max pooling on the integers, a DequantizeLinear at the end
//             and ONNX Runtime's quantizer names (t_quantized, t_scale, t_zero_point): the
//             form OpenCV 4.6's DNN module runs (it runs nothing in float between int8 layers,
//             so the head is int8 too: the pooled features at the pooling input's scale, the
//             classifier a 1x1 QLinearConv to s8 logits at a calibrated scale); opset 13.
//           qdq: the float graph with QuantizeLinear / DequantizeLinear pairs at every point
//             the int8 model requantizes and on every weight (per channel, axis 0); opset 13.
// The input is (N, C, H, W) f32 normalised as in training, named "input"; the output the
// (N, K) logits, named "output"; N is dynamic, the rest static.
#pragma once

#include <map>
#include <string>

#include "core/tensor.h"
#include "models/module.h"
#include "train/config.h"
#include "train/qat/int8_model.h"

namespace minnow {

struct OnnxExportOptions {
  Dims input_dims;                              // (1, C, H, W): the traced input; N becomes dynamic
  std::map<std::string, std::string> metadata;  // metadata_props
  // int8 QOperator form: images (N, C, H, W) that set the scales QAT does not observe (the s8
  // logits, each fused sum's branch; deploy/onnx/calibrate.h). Required for that form.
  Tensor calibration{};
};

// metadata_props for a run: model.* (as the weights files), the resolved config as YAML,
// num_classes, class_names (when the config names them), and the input's normalisation
// (mean, std of the validation transform) with a line that says how to apply it.
std::map<std::string, std::string> onnx_metadata(const Config& config);

void export_onnx_float(const std::string& path, Module& model, const OnnxExportOptions& options);

enum class OnnxInt8Form { qoperator, qdq };
void export_onnx_int8(const std::string& path, const Int8Model& model, OnnxInt8Form form,
                      const OnnxExportOptions& options);

}  // namespace minnow
