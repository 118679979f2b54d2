// OnnxBuilder on the generated protobuf classes; write_onnx's validation and atomic write.
#include "deploy/onnx/builder.h"

#include <onnx/checker.h>
#include <onnx/shape_inference/implementation.h>

#include <cstring>

#include "core/error.h"
#include "train/checkpoint_io.h"

namespace minnow::onnx_export {

Attr attr_i(const std::string& name, int64_t v) { return {.name = name, .kind = Attr::Kind::i, .i = v}; }
Attr attr_ints(const std::string& name, std::vector<int64_t> v) {
  return {.name = name, .kind = Attr::Kind::ints, .ints = std::move(v)};
}
Attr attr_f(const std::string& name, float v) { return {.name = name, .kind = Attr::Kind::f, .f = v}; }
Attr attr_s(const std::string& name, std::string v) {
  return {.name = name, .kind = Attr::Kind::s, .s = std::move(v)};
}

namespace {

void set_shape(onnx::ValueInfoProto& info, const Dims& dims, int32_t elem_type) {
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(elem_type);
  auto* shape = tensor->mutable_shape();
  for (size_t i = 0; i < dims.size(); ++i) {
    auto* d = shape->add_dim();
    if (i == 0)
      d->set_dim_param("N");
    else
      d->set_dim_value(dims[i]);
  }
}

template <class T>
std::string bytes_of(const std::vector<T>& v) {
  std::string out(v.size() * sizeof(T), '\0');
  if (!v.empty()) std::memcpy(out.data(), v.data(), out.size());
  return out;  // x86-64 is little-endian, ONNX's raw_data order
}

}  // namespace

OnnxBuilder::OnnxBuilder(std::map<std::string, int64_t> opsets) : graph_(model_.mutable_graph()) {
  model_.set_ir_version(onnx::IR_VERSION_2020_5_8);
  model_.set_producer_name("minnow");
  model_.set_producer_version("0.1.0");
  for (const auto& [domain, version] : opsets) {
    auto* op = model_.add_opset_import();
    op->set_domain(domain);
    op->set_version(version);
  }
  graph_->set_name("minnow");
}

void OnnxBuilder::input(const std::string& name, const Dims& dims) {
  auto* in = graph_->add_input();
  in->set_name(name);
  set_shape(*in, dims, onnx::TensorProto::FLOAT);
}

void OnnxBuilder::output(const std::string& name, const Dims& dims, int32_t elem_type) {
  auto* out = graph_->add_output();
  out->set_name(name);
  set_shape(*out, dims, elem_type);
}

onnx::TensorProto& OnnxBuilder::initializer(const std::string& name, const Dims& dims, int32_t type) {
  MINNOW_CHECK(!initializers_.count(name), "onnx export: initializer '", name, "' is defined twice");
  initializers_[name] = graph_->initializer_size();
  auto* t = graph_->add_initializer();
  t->set_name(name);
  t->set_data_type(type);
  for (int64_t d : dims) t->add_dims(d);
  return *t;
}

namespace {

void check_count(const std::string& name, const Dims& dims, size_t count) {
  MINNOW_CHECK(static_cast<int64_t>(count) == product(dims), "onnx export: '", name, "' has ", count,
               " values for dims ", dims_str(dims));
}

}  // namespace

std::string OnnxBuilder::f32(const std::string& name, const Dims& dims, const std::vector<float>& values) {
  check_count(name, dims, values.size());
  initializer(name, dims, onnx::TensorProto::FLOAT).set_raw_data(bytes_of(values));
  return name;
}

std::string OnnxBuilder::f32(const std::string& name, const Tensor& t) { return f32(name, t.dims(), t.to_plain()); }

std::string OnnxBuilder::i64(const std::string& name, const Dims& dims, const std::vector<int64_t>& values) {
  check_count(name, dims, values.size());
  initializer(name, dims, onnx::TensorProto::INT64).set_raw_data(bytes_of(values));
  return name;
}

std::string OnnxBuilder::i32(const std::string& name, const Dims& dims, const std::vector<int32_t>& values) {
  check_count(name, dims, values.size());
  initializer(name, dims, onnx::TensorProto::INT32).set_raw_data(bytes_of(values));
  return name;
}

std::string OnnxBuilder::int8(const std::string& name, const Dims& dims, const std::vector<int8_t>& values) {
  check_count(name, dims, values.size());
  initializer(name, dims, onnx::TensorProto::INT8).set_raw_data(bytes_of(values));
  return name;
}

std::string OnnxBuilder::uint8(const std::string& name, const Dims& dims, const std::vector<uint8_t>& values) {
  check_count(name, dims, values.size());
  initializer(name, dims, onnx::TensorProto::UINT8).set_raw_data(bytes_of(values));
  return name;
}

void OnnxBuilder::node(const std::string& op, const std::string& name, const std::vector<std::string>& inputs,
                       const std::vector<std::string>& outputs, const std::vector<Attr>& attrs,
                       const std::string& domain) {
  auto* n = graph_->add_node();
  n->set_op_type(op);
  n->set_name(name);
  if (!domain.empty()) n->set_domain(domain);
  for (const auto& i : inputs) n->add_input(i);
  for (const auto& o : outputs) n->add_output(o);
  for (const auto& a : attrs) {
    auto* p = n->add_attribute();
    p->set_name(a.name);
    switch (a.kind) {
      case Attr::Kind::i:
        p->set_type(onnx::AttributeProto::INT);
        p->set_i(a.i);
        break;
      case Attr::Kind::ints:
        p->set_type(onnx::AttributeProto::INTS);
        for (int64_t v : a.ints) p->add_ints(v);
        break;
      case Attr::Kind::f:
        p->set_type(onnx::AttributeProto::FLOAT);
        p->set_f(a.f);
        break;
      case Attr::Kind::s:
        p->set_type(onnx::AttributeProto::STRING);
        p->set_s(a.s);
        break;
    }
  }
}

void OnnxBuilder::metadata(const std::map<std::string, std::string>& props) {
  for (const auto& [key, value] : props) {
    auto* p = model_.add_metadata_props();
    p->set_key(key);
    p->set_value(value);
  }
}

void write_onnx(const std::string& path, onnx::ModelProto& model) {
  try {
    onnx::checker::check_model(model);
    const onnx::ShapeInferenceOptions options(/*check_type=*/true, /*error_mode=*/1);
    onnx::shape_inference::InferShapes(model, onnx::OpSchemaRegistry::Instance(), options);
  } catch (const std::exception& e) {
    MINNOW_FAIL("export: the ONNX model for '", path, "' does not validate (onnx checker / shape inference): ",
                e.what());
  }
  std::string bytes;
  MINNOW_CHECK(model.SerializeToString(&bytes), "export: could not serialise the ONNX model for '", path, "'");
  write_file_atomic(path, bytes);
}

}  // namespace minnow::onnx_export
