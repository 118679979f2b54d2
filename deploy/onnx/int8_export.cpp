#include "core/error.h"
#include "deploy/onnx_export.h"
namespace minnow {
void export_onnx_int8(const std::string&, const Int8Model&, OnnxInt8Form, const OnnxExportOptions&) {
  MINNOW_FAIL("export: onnx-int8 is not written yet");
}
}  // namespace minnow
