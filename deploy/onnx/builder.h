// OnnxBuilder: assembles an onnx::ModelProto (Debian's libonnx-dev protobuf classes) from
// nodes, initializers and attributes, with one graph input and one output whose batch
// dimension is dynamic. write_onnx validates the result with onnx::checker and shape
// inference before it writes the file atomically. Internal to deploy/onnx/ (not installed): the protobuf types
// stay out of minnow's public headers.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace minnow::onnx_export {

// One attribute of a node: an int, a list of ints, a float or a string.
struct Attr {
  std::string name;
  enum class Kind { i, ints, f, s } kind;
  int64_t i = 0;
  std::vector<int64_t> ints{};
  float f = 0.f;
  std::string s{};
};
Attr attr_i(const std::string& name, int64_t v);
Attr attr_ints(const std::string& name, std::vector<int64_t> v);
Attr attr_f(const std::string& name, float v);
Attr attr_s(const std::string& name, std::string v);

class OnnxBuilder {
 public:
  // opsets: domain ("" for ai.onnx) -> version.
  explicit OnnxBuilder(std::map<std::string, int64_t> opsets);

  // The graph's input: f32 (batch, dims[1:]) with the batch dimension named "N".
  void input(const std::string& name, const Dims& dims);
  void output(const std::string& name, const Dims& dims, int32_t elem_type = onnx::TensorProto::FLOAT);

  // Initializers from values in logical row-major order; the name is returned.
  std::string f32(const std::string& name, const Dims& dims, const std::vector<float>& values);
  std::string f32(const std::string& name, const Tensor& t);  // any layout
  std::string i64(const std::string& name, const Dims& dims, const std::vector<int64_t>& values);
  std::string i32(const std::string& name, const Dims& dims, const std::vector<int32_t>& values);
  // u8 / s8 (elem_type UINT8 / INT8) from a plain-or-blocked u8/s8 Tensor or raw values.
  std::string int8(const std::string& name, const Dims& dims, const std::vector<int8_t>& values);
  std::string uint8(const std::string& name, const Dims& dims, const std::vector<uint8_t>& values);
  bool has_initializer(const std::string& name) const { return initializers_.count(name) > 0; }

  void node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
            const std::vector<std::string>& outputs, const std::vector<Attr>& attrs = {},
            const std::string& domain = "");

  void metadata(const std::map<std::string, std::string>& props);
  onnx::ModelProto& model() { return model_; }

 private:
  onnx::TensorProto& initializer(const std::string& name, const Dims& dims, int32_t type);

  onnx::ModelProto model_;
  onnx::GraphProto* graph_;
  std::map<std::string, int> initializers_;
};

// onnx::checker::check_model, then strict shape inference (an error throws), then the
// model bytes to path through a temporary file and a rename. Errors name path.
void write_onnx(const std::string& path, onnx::ModelProto& model);

}  // namespace minnow::onnx_export
