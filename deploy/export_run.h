// Exporting a training checkpoint, as `minnow export` does (the CLI and the Python module call
// this): the model is rebuilt from the checkpoint's stored config, its weights loaded, and written as
//   safetensors  float32 weights in plain layout, torchvision's names, the config in metadata;
//   int8         a QAT run's converted int8 model (minnow's own safetensors scheme);
//   onnx         the float model as ONNX (deploy/onnx_export.h), BN folded;
//   onnx-int8    a QAT run's int8 model in the QOperator form OpenCV 4.6 runs, calibrated on
//                256 training images (the training loader's first, shuffled, augmented);
//   onnx-qdq     the same int8 model as QuantizeLinear/DequantizeLinear pairs (opset 13);
//   shared       a weight-sharing run's k-bit indices and codebooks (train/share/shared_file.h).
// Messages name the CLI's options (--format, --best).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "train/share/shared_size.h"

namespace minnow {

struct ExportOptions {
  std::string source;  // a run folder (its last.safetensors, or best) or a checkpoint file
  std::string output;
  std::string format = "safetensors";  // safetensors, int8, onnx, onnx-int8, onnx-qdq or shared
  bool best = false;                   // a run folder's best.safetensors
};

struct ExportResult {
  std::string checkpoint;  // the file exported from
  std::string model;       // the zoo name
  int64_t parameters = 0;
  std::optional<SharedSize> shared;  // --format shared: the sizes as floats and shared
};

ExportResult export_checkpoint(const ExportOptions& options);

}  // namespace minnow
