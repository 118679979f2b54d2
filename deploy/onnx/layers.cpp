// The float layers' ONNX nodes. Weights are written in logical (PyTorch) order whatever
// layout minnow keeps them in.
#include "deploy/onnx/layers.h"

#include "core/error.h"

namespace minnow::onnx_export {

std::string conv2d(OnnxBuilder& b, const std::string& name, const std::string& x, const Conv2d::Options& o,
                   const Tensor& w, const Tensor& bias, const std::string& out) {
  const Dims w_dims{o.out, o.in / o.groups, o.kernel, o.kernel};
  const int64_t pad = o.padding >= 0 ? o.padding : o.dilation * (o.kernel - 1) / 2;
  std::vector<std::string> in{x, b.f32(name + ".weight", w_dims, w.to_plain())};
  if (bias.defined()) in.push_back(b.f32(name + ".bias", {o.out}, bias.to_plain()));
  b.node("Conv", name, in, {out},
         {attr_ints("kernel_shape", {o.kernel, o.kernel}), attr_ints("strides", {o.stride, o.stride}),
          attr_ints("pads", {pad, pad, pad, pad}), attr_ints("dilations", {o.dilation, o.dilation}),
          attr_i("group", o.groups)});
  return out;
}

std::string batch_norm(OnnxBuilder& b, const std::string& name, const std::string& x, const BatchNorm2d& bn) {
  const int64_t c = bn.options().channels;
  b.node("BatchNormalization", name,
         {x, b.f32(name + ".weight", {c}, bn.weight().data().to_plain()),
          b.f32(name + ".bias", {c}, bn.bias().data().to_plain()),
          b.f32(name + ".running_mean", {c}, bn.running_mean().to_plain()),
          b.f32(name + ".running_var", {c}, bn.running_var().to_plain())},
         {name}, {attr_f("epsilon", bn.options().eps)});
  return bn.options().fuse_relu ? activation(b, name + ".relu", name, ActivationKind::relu) : name;
}

std::string activation(OnnxBuilder& b, const std::string& name, const std::string& x, ActivationKind kind,
                       int64_t opset) {
  switch (kind) {
    case ActivationKind::relu: b.node("Relu", name, {x}, {name}); break;
    case ActivationKind::relu6:
      if (opset <= 10) {
        b.node("Clip", name, {x}, {name}, {attr_f("min", 0.f), attr_f("max", 6.f)});
      } else {
        const std::string lo = name + ".min", hi = name + ".max";
        if (!b.has_initializer(lo)) b.f32(lo, {}, {0.f});
        if (!b.has_initializer(hi)) b.f32(hi, {}, {6.f});
        b.node("Clip", name, {x, lo, hi}, {name});
      }
      break;
    case ActivationKind::sigmoid: b.node("Sigmoid", name, {x}, {name}); break;
    case ActivationKind::hardsigmoid:
      b.node("HardSigmoid", name, {x}, {name}, {attr_f("alpha", 1.f / 6.f), attr_f("beta", 0.5f)});
      break;
    case ActivationKind::hardswish:
      b.node("HardSigmoid", name + ".gate", {x}, {name + ".gate"}, {attr_f("alpha", 1.f / 6.f), attr_f("beta", 0.5f)});
      b.node("Mul", name, {x, name + ".gate"}, {name});
      break;
    case ActivationKind::swish:
      b.node("Sigmoid", name + ".gate", {x}, {name + ".gate"});
      b.node("Mul", name, {x, name + ".gate"}, {name});
      break;
  }
  return name;
}

std::string pool2d(OnnxBuilder& b, const std::string& op, const std::string& name, const std::string& x,
                   const Pool2dOptions& o, int64_t opset) {
  const int64_t stride = o.stride == 0 ? o.kernel : o.stride;
  int64_t p = o.padding;
  std::string in = x;
  // PyTorch's count_include_pad divides by the window clipped to the padded input. OpenCV 4.6
  // does not honour the attribute, so the zeros are an explicit Pad and the pooling excludes
  // only what runs past it (the ceil_mode overhang), which is exactly PyTorch's divisor.
  if (op == "AveragePool" && o.count_include_pad && p > 0) {
    const std::vector<int64_t> pads{0, 0, p, p, 0, 0, p, p};
    if (opset <= 10)  // Pad's attribute form; from opset 11 the pads are an input
      b.node("Pad", name + ".pad", {x}, {name + ".padded"}, {attr_ints("pads", pads), attr_f("value", 0.f)});
    else
      b.node("Pad", name + ".pad", {x, b.i64(name + ".pads", {8}, pads)}, {name + ".padded"});
    in = name + ".padded";
    p = 0;
  }
  std::vector<Attr> attrs{attr_ints("kernel_shape", {o.kernel, o.kernel}), attr_ints("strides", {stride, stride}),
                          attr_ints("pads", {p, p, p, p}), attr_i("ceil_mode", o.ceil_mode ? 1 : 0)};
  if (op == "AveragePool") attrs.push_back(attr_i("count_include_pad", 0));
  b.node(op, name, {in}, {name}, attrs);
  return name;
}

std::string gemm(OnnxBuilder& b, const std::string& name, const std::string& x, const Tensor& w, const Var& bias) {
  std::vector<std::string> in{x, b.f32(name + ".weight", w)};
  if (bias.defined()) in.push_back(b.f32(name + ".bias", bias.data()));
  b.node("Gemm", name, in, {name}, {attr_i("transB", 1)});
  return name;
}

std::string channel_shuffle(OnnxBuilder& b, const std::string& name, const std::string& x, const Dims& d,
                            int64_t groups, const std::string& suffix) {
  MINNOW_CHECK(d.size() == 4 && d[1] % groups == 0, "export: ", name, ": expected (N, C, H, W) with groups ", groups,
               " dividing C, got ", dims_str(d));
  const std::string grouped = name + ".grouped" + suffix, transposed = name + ".transposed" + suffix;
  const std::string split = b.i64(name + ".grouped_shape", {5}, {0, groups, d[1] / groups, d[2], d[3]});
  const std::string joined = b.i64(name + ".shape", {4}, {0, d[1], d[2], d[3]});
  b.node("Reshape", name + ".group", {x, split}, {grouped});
  b.node("Transpose", name + ".transpose", {grouped}, {transposed}, {attr_ints("perm", {0, 2, 1, 3, 4})});
  b.node("Reshape", name, {transposed, joined}, {name + suffix});
  return name + suffix;
}

}  // namespace minnow::onnx_export
