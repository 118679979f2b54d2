// export_onnx_int8: one pass over the int8 model's steps. Every int8 value v is the tensor
// "v_quantized" with initializers "v_scale" (f32) and "v_zero_point" (u8 or s8 zero), ONNX
// Runtime's quantizer names, which OpenCV 4.6 looks them up by.
//   qoperator: the QLinear ops compute each requantizing step on the integers, and split,
//     channel shuffle and max pooling run on the integers too (they only move or pick them).
//     OpenCV 4.6 runs every layer after a QuantizeLinear in int8, so the head stays int8 and
//     the one DequantizeLinear gives the output: the pooled features keep the pooling input's
//     scale, and the classifier is a 1x1 QLinearConv (per-channel weights, s32 bias) to s8
//     logits at a scale set by calibration images. Where minnow's int8 model pools and
//     classifies in f32, this form rounds twice more (the mean and the logits).
//   qdq: the float op of every step between DequantizeLinear of its inputs and
//     QuantizeLinear -> DequantizeLinear of its output; weights are s8 initializers behind a
//     per-channel (axis 0) DequantizeLinear; the head is f32 as in minnow's int8 model.
// ReLU and ReLU6 after a conv, a sum or a join are the saturation of a u8 point with zero
// point 0 (QAT's observer never sees more than 6 after a ReLU6: 255 scale <= 6 is checked).
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.h"
#include "deploy/onnx/builder.h"
#include "deploy/onnx/calibrate.h"
#include "deploy/onnx/layers.h"
#include "deploy/onnx_export.h"

namespace minnow {

using namespace onnx_export;

namespace {

constexpr const char* kMicrosoft = "com.microsoft";
constexpr const char* kFloatOnly =
    "the ONNX int8 forms have no such step, so this model exports only to float (--format onnx)";

// The steps neither int8 form has (MobileNet-v3's and EfficientNet's), refused before anything
// is calibrated or written.
void check_supported(const Int8Model& m) {
  for (const Int8Step& s : m.steps()) {
    const Int8PostOp op = s.kind == Int8Step::Kind::conv ? s.conv->options().post_op : Int8PostOp::none;
    MINNOW_CHECK(op != Int8PostOp::hardswish && op != Int8PostOp::swish && op != Int8PostOp::hardsigmoid, "export: ",
                 s.name, " fuses a hardswish, swish or hardsigmoid; ", kFloatOnly);
    MINNOW_CHECK(s.kind != Int8Step::Kind::gate, "export: ", s.name, " is a squeeze-and-excitation gate; ", kFloatOnly);
    MINNOW_CHECK(s.kind != Int8Step::Kind::activation, "export: ", s.name, " is a ", activation_name(s.activation),
                 " in the f32 head; ", kFloatOnly);
  }
}

class Int8Exporter {
 public:
  Int8Exporter(const Int8Model& m, OnnxBuilder& b, OnnxInt8Form form, Calibration calibration)
      : m_(m), b_(b), form_(form), calibration_(std::move(calibration)), base_(count_values(m)) {}

  void run() {
    for (const Int8Step& s : m_.steps()) {
      name_outputs(s);
      emit(s);
    }
    const int y = m_.output();
    if (!head_points_.count(y)) {
      b_.node("Identity", "output", {float_of(y)}, {"output"});
      return;
    }
    // (N, K, 1, 1) int8 logits: flattened on the integers, then the one DequantizeLinear.
    b_.node("Flatten", "output_flatten", {q(y)}, {"output_flat_quantized"}, {attr_i("axis", 1)});
    b_.node("DequantizeLinear", "output", {"output_flat_quantized", scale(y), zero_point(y)}, {"output"});
  }

 private:
  static size_t count_values(const Int8Model& m) {
    int last = 0;
    for (const auto& s : m.steps())
      for (int o : s.outputs) last = std::max(last, o);
    return static_cast<size_t>(last) + 1;
  }

  void name_outputs(const Int8Step& s) {
    for (size_t k = 0; k < s.outputs.size(); ++k)
      base_[static_cast<size_t>(s.outputs[k])] = s.outputs.size() == 1 ? s.name : s.name + "_" + std::to_string(k);
  }

  // v's point: minnow's, or for the QOperator head's values (f32 in minnow) the int8 one here.
  const Int8Point& point(int v) const {
    const auto it = head_points_.find(v);
    return it != head_points_.end() ? it->second : m_.point(v);
  }
  const std::string& base(int v) const { return base_[static_cast<size_t>(v)]; }
  std::string q(int v) const { return base(v) + "_quantized"; }

  // v's scale and zero point initializers, written once.
  std::string scale(int v) { return quant_params(base(v), point(v)); }
  std::string zero_point(int v) {
    scale(v);
    return base(v) + "_zero_point";
  }
  // <name>_scale and <name>_zero_point for a tensor <name>_quantized at point p.
  std::string quant_params(const std::string& name, const Int8Point& p) {
    const std::string n = name + "_scale";
    if (!b_.has_initializer(n)) {
      b_.f32(n, {}, {p.scale});
      if (p.type == DType::u8)
        b_.uint8(name + "_zero_point", {}, {0});
      else
        b_.int8(name + "_zero_point", {}, {0});
    }
    return n;
  }

  // The f32 tensor of v: itself when f32, else its DequantizeLinear (made once).
  std::string float_of(int v) {
    if (v == m_.input()) return "input";
    if (point(v).type == DType::f32) return base(v);
    const std::string n = base(v) + "_dequantized";
    if (!dequantized_.count(n)) {
      b_.node("DequantizeLinear", n, {q(v), scale(v), zero_point(v)}, {n});
      dequantized_.insert(n);
    }
    return n;
  }

  // Quantizes the f32 tensor x into v's point as v_quantized.
  void quantize_into(const std::string& x, int v, const std::string& node) {
    b_.node("QuantizeLinear", node, {x, scale(v), zero_point(v)}, {q(v)});
  }

  void emit(const Int8Step& s) {
    const int out = s.outputs[0];
    switch (s.kind) {
      case Int8Step::Kind::quantize: return quantize_into("input", out, "input_quantize");
      case Int8Step::Kind::conv: return conv(s);
      case Int8Step::Kind::add: {
        check_relu(s.name, s.relu, out);
        if (form_ == OnnxInt8Form::qoperator) {
          const int a = s.inputs[0], c = s.inputs[1];
          b_.node("QLinearAdd", s.name, {q(a), scale(a), zero_point(a), q(c), scale(c), zero_point(c), scale(out),
                                         zero_point(out)},
                  {q(out)}, {}, kMicrosoft);
          return;
        }
        std::string sum = s.name + "_sum";
        b_.node("Add", sum, {float_of(s.inputs[0]), float_of(s.inputs[1])}, {sum});
        if (s.relu) sum = activation(b_, s.name + "_relu", sum, ActivationKind::relu, 13);
        return quantize_into(sum, out, s.name + "_quantize");
      }
      case Int8Step::Kind::requantize:
        return quantize_into(float_of(s.inputs[0]), out, s.name + "_requantize");
      case Int8Step::Kind::concat: {
        if (form_ == OnnxInt8Form::qoperator) {
          std::vector<std::string> in{scale(out), zero_point(out)};
          for (int v : s.inputs) {
            in.push_back(q(v));
            in.push_back(scale(v));
            in.push_back(zero_point(v));
          }
          b_.node("QLinearConcat", s.name, in, {q(out)}, {attr_i("axis", 1)}, kMicrosoft);
          return;
        }
        std::vector<std::string> in;
        for (int v : s.inputs) in.push_back(float_of(v));
        b_.node("Concat", s.name + "_concat", in, {s.name + "_concat"}, {attr_i("axis", 1)});
        return quantize_into(s.name + "_concat", out, s.name + "_quantize");
      }
      case Int8Step::Kind::split: {
        std::vector<int64_t> sizes;
        std::vector<std::string> pieces;
        for (int o : s.outputs) {
          sizes.push_back(m_.dims(o)[1]);
          pieces.push_back(form_ == OnnxInt8Form::qoperator ? q(o) : base(o) + "_dequantized");
          moved(o);
        }
        const std::string split = b_.i64(s.name + ".split", {static_cast<int64_t>(sizes.size())}, sizes);
        b_.node("Split", s.name, {moved_input(s.inputs[0]), split}, pieces, {attr_i("axis", 1)});
        return;
      }
      case Int8Step::Kind::channel_shuffle: {
        moved(out);
        const bool integers = form_ == OnnxInt8Form::qoperator;
        channel_shuffle(b_, base(out), moved_input(s.inputs[0]), m_.dims(s.inputs[0]), s.groups,
                        integers ? "_quantized" : "_dequantized");
        // OpenCV runs a layer in int8 when its output has a scale: the tensors between do too.
        if (integers)
          for (const char* between : {".grouped", ".transposed"}) quant_params(base(out) + between, point(out));
        return;
      }
      case Int8Step::Kind::pool: return pool(s);
      case Int8Step::Kind::global_avg_pool: {
        const int x = s.inputs[0];
        if (form_ == OnnxInt8Form::qdq) {
          b_.node("GlobalAveragePool", s.name + "_pool", {float_of(x)}, {s.name + "_pool"});
          b_.node("Flatten", s.name, {s.name + "_pool"}, {base(out)}, {attr_i("axis", 1)});
          return;
        }
        head_points_[out] = point(x);  // (N, C, 1, 1) at the pooling input's point
        b_.node("QLinearGlobalAveragePool", s.name, {q(x), scale(x), zero_point(x), scale(out), zero_point(out)},
                {q(out)}, {attr_i("channels_last", 0)}, kMicrosoft);
        return;
      }
      case Int8Step::Kind::activation:
      case Int8Step::Kind::gate: return;  // refused by check_supported
      case Int8Step::Kind::linear: {
        if (form_ == OnnxInt8Form::qoperator) return classifier(s);
        std::vector<std::string> in{float_of(s.inputs[0]), b_.f32(s.name + ".weight", s.weight)};
        if (s.bias.defined()) in.push_back(b_.f32(s.name + ".bias", s.bias));
        b_.node("Gemm", s.name, in, {base(out)}, {attr_i("transB", 1)});
        return;
      }
    }
  }

  // Ops that only move or pick integers (split, shuffle, max pooling) run on the integers in
  // the QOperator form (v keeps its input's scale, under its own name) and on the dequantized
  // values in the QDQ form (where they stay v's dequantized tensor).
  void moved(int v) {
    if (form_ == OnnxInt8Form::qoperator)
      scale(v);
    else
      dequantized_.insert(base(v) + "_dequantized");
  }
  std::string moved_input(int v) { return form_ == OnnxInt8Form::qoperator ? q(v) : float_of(v); }
  std::string moved_output(int v) const {
    return form_ == OnnxInt8Form::qoperator ? q(v) : base(v) + "_dequantized";
  }

  // A conv's weight initializers: s8 values (O, ...), per-channel scales (O), zero points (O).
  struct Weights {
    std::string quantized, scale, zero_point;
  };
  Weights weights(const std::string& name, const Dims& dims, const std::vector<int8_t>& q,
                  const std::vector<float>& scales) {
    const int64_t o = dims[0];
    return {b_.int8(name + ".weight_quantized", dims, q), b_.f32(name + ".weight_scale", {o}, scales),
            b_.int8(name + ".weight_zero_point", {o}, std::vector<int8_t>(static_cast<size_t>(o), 0))};
  }

  // QLinearConv's s32 bias: bias[o] / (x_scale w_scale[o]), which must fit.
  static std::vector<int32_t> s32_bias(const std::string& name, const std::vector<float>& bias, float x_scale,
                                       const std::vector<float>& w_scales) {
    std::vector<int32_t> out(w_scales.size(), 0);
    for (size_t c = 0; c < out.size() && !bias.empty(); ++c) {
      const double q = std::nearbyint(static_cast<double>(bias[c]) / (static_cast<double>(x_scale) * w_scales[c]));
      MINNOW_CHECK(std::abs(q) <= 2147483647.0, "export: ", name, " channel ", c, ": the bias ", bias[c],
                   " is ", q, " in units of its input and weight scales, beyond QLinearConv's s32 bias");
      out[c] = static_cast<int32_t>(q);
    }
    return out;
  }

  void check_relu(const std::string& name, bool relu, int out) const {
    MINNOW_CHECK(!relu || point(out).type == DType::u8, "export: ", name,
                 " applies a ReLU into a signed point; the ONNX int8 form runs a ReLU as the saturation of a u8 point");
  }

  void conv(const Int8Step& s) {
    const Int8ConvOptions& o = s.conv->options();
    const int x = s.inputs[0], out = s.outputs[0];
    const bool sums = o.post_op == Int8PostOp::sum || o.post_op == Int8PostOp::sum_relu;
    const bool relu = o.post_op == Int8PostOp::relu || o.post_op == Int8PostOp::sum_relu;
    check_relu(s.name, relu, out);
    if (o.post_op == Int8PostOp::relu6 && form_ == OnnxInt8Form::qoperator)
      MINNOW_CHECK(point(out).type == DType::u8 && 255.f * point(out).scale <= 6.f * (1.f + 1e-6f), "export: ",
                   s.name, "'s ReLU6 output has scale ", point(out).scale,
                   "; the ONNX int8 form needs a u8 point whose range (255 scale) stays within 6");
    const std::vector<int8_t> w(o.weights.data<int8_t>(), o.weights.data<int8_t>() + o.weights.numel());
    const auto [wq, ws, wz] =
        weights(s.name, {o.out_channels, o.in_channels / o.groups, o.kernel, o.kernel}, w, o.w_scales);
    const std::vector<Attr> attrs{attr_ints("kernel_shape", {o.kernel, o.kernel}),
                                  attr_ints("strides", {o.stride, o.stride}),
                                  attr_ints("pads", {o.padding, o.padding, o.padding, o.padding}),
                                  attr_i("group", o.groups)};
    if (form_ == OnnxInt8Form::qdq) return conv_qdq(s, wq, ws, wz, attrs, sums, relu);

    const std::string bq =
        b_.i32(s.name + ".bias_quantized", {o.out_channels}, s32_bias(s.name, o.bias, o.in_scale, o.w_scales));
    if (!sums) {
      b_.node("QLinearConv", s.name, {q(x), scale(x), zero_point(x), wq, ws, wz, scale(out), zero_point(out), bq},
              {q(out)}, attrs);
      return;
    }
    // The sum: the branch requantized to its calibrated s8 point, then QLinearAdd.
    const auto calibrated = calibration_.branch_scale.find(s.name);
    MINNOW_CHECK(calibrated != calibration_.branch_scale.end(), "export: the int8 ONNX form needs calibration images ",
                 "for the scale of ", s.name, "'s output before its residual sum");
    const std::string branch = s.name + ".branch";
    const float branch_scale = calibrated->second;
    b_.f32(branch + "_scale", {}, {branch_scale});
    b_.int8(branch + "_zero_point", {}, {0});
    b_.node("QLinearConv", s.name, {q(x), scale(x), zero_point(x), wq, ws, wz, branch + "_scale",
                                    branch + "_zero_point", bq},
            {branch + "_quantized"}, attrs);
    const int r = s.inputs[1];
    b_.node("QLinearAdd", s.name + "_add", {branch + "_quantized", branch + "_scale", branch + "_zero_point", q(r),
                                             scale(r), zero_point(r), scale(out), zero_point(out)},
            {q(out)}, {}, kMicrosoft);
  }

  void conv_qdq(const Int8Step& s, const std::string& wq, const std::string& ws, const std::string& wz,
                const std::vector<Attr>& attrs, bool sums, bool relu) {
    const Int8ConvOptions& o = s.conv->options();
    const std::string w = s.name + ".weight_dequantized";
    b_.node("DequantizeLinear", w, {wq, ws, wz}, {w}, {attr_i("axis", 0)});
    std::vector<std::string> in{float_of(s.inputs[0]), w};
    if (!o.bias.empty()) in.push_back(b_.f32(s.name + ".bias", {o.out_channels}, o.bias));
    std::string y = s.name + "_conv";
    b_.node("Conv", y, in, {y}, attrs);
    if (sums) {
      b_.node("Add", s.name + "_sum", {y, float_of(s.inputs[1])}, {s.name + "_sum"});
      y = s.name + "_sum";
    }
    if (relu) y = activation(b_, s.name + "_relu", y, ActivationKind::relu, 13);
    if (o.post_op == Int8PostOp::relu6) y = activation(b_, s.name + "_relu6", y, ActivationKind::relu6, 13);
    quantize_into(y, s.outputs[0], s.name + "_quantize");
  }

  // The QOperator head's classifier: a 1x1 QLinearConv on the (N, C, 1, 1) pooled integers,
  // the fake-quantized weight back on its integers, the bias in s32, s8 logits out.
  void classifier(const Int8Step& s) {
    const int x = s.inputs[0], out = s.outputs[0];
    MINNOW_CHECK(head_points_.count(x), "export: ", s.name, " does not follow the global pooling");
    MINNOW_CHECK(calibration_.logits_scale > 0.f, "export: the int8 ONNX form needs calibration images for the ",
                 "scale of ", s.name, "'s s8 logits");
    head_points_[out] = {DType::s8, calibration_.logits_scale};
    const Dims wd = s.weight.dims();  // (K, C)
    const std::vector<float> w = s.weight.to_plain();
    std::vector<int8_t> ints(w.size());
    for (size_t i = 0; i < w.size(); ++i)
      ints[i] = static_cast<int8_t>(std::nearbyint(w[i] / s.w_scales[i / static_cast<size_t>(wd[1])]));
    const auto [wq, ws, wz] = weights(s.name, {wd[0], wd[1], 1, 1}, ints, s.w_scales);
    const std::vector<float> bias = s.bias.defined() ? s.bias.to_plain() : std::vector<float>{};
    b_.node("QLinearConv", s.name,
            {q(x), scale(x), zero_point(x), wq, ws, wz, scale(out), zero_point(out),
             b_.i32(s.name + ".bias_quantized", {wd[0]}, s32_bias(s.name, bias, point(x).scale, s.w_scales))},
            {q(out)}, {attr_ints("kernel_shape", {1, 1})});
  }

  void pool(const Int8Step& s) {
    const Int8Pool2dOptions& p = s.pool;
    const Pool2dOptions f32{.kernel = p.kernel, .stride = p.stride, .padding = p.padding, .ceil_mode = p.ceil_mode,
                            .count_include_pad = p.count_include_pad};
    const int x = s.inputs[0], out = s.outputs[0];
    if (p.kind == Int8Pool2dOptions::Kind::max) {
      moved(out);
      pool2d(b_, "MaxPool", moved_output(out), moved_input(x), f32, 13);
      return;
    }
    if (form_ == OnnxInt8Form::qdq)
      return quantize_into(pool2d(b_, "AveragePool", s.name + "_float", float_of(x), f32, 13), out,
                           s.name + "_quantize");
    const int64_t stride = p.stride == 0 ? p.kernel : p.stride;
    if (p.count_include_pad && p.padding > 0) return average_as_conv(s, stride);
    b_.node("QLinearAveragePool", s.name, {q(x), scale(x), zero_point(x), scale(out), zero_point(out)}, {q(out)},
            {attr_ints("kernel_shape", {p.kernel, p.kernel}), attr_ints("strides", {stride, stride}),
             attr_ints("pads", {p.padding, p.padding, p.padding, p.padding}), attr_i("ceil_mode", p.ceil_mode ? 1 : 0),
             attr_i("count_include_pad", 0)},
            kMicrosoft);
  }

  // An average over k x k windows that counts the padding (ShuffleNet v1's shortcut) is a
  // depthwise QLinearConv whose weights are all 1 with scale 1 / k^2: the padding is the input's
  // zero point, as in every conv. (OpenCV 4.6 pads a u8 tensor with the wrong integer.)
  void average_as_conv(const Int8Step& s, int64_t stride) {
    const Int8Pool2dOptions& p = s.pool;
    MINNOW_CHECK(!p.ceil_mode, "export: ", s.name, " averages with ceil_mode and counts its padding; the int8 ONNX "
                 "form has no such pooling");
    const int x = s.inputs[0], out = s.outputs[0];
    const int64_t c = m_.dims(x)[1], k = p.kernel;
    const auto [wq, ws, wz] = weights(s.name, {c, 1, k, k}, std::vector<int8_t>(static_cast<size_t>(c * k * k), 1),
                                      std::vector<float>(static_cast<size_t>(c), 1.f / static_cast<float>(k * k)));
    b_.node("QLinearConv", s.name, {q(x), scale(x), zero_point(x), wq, ws, wz, scale(out), zero_point(out)}, {q(out)},
            {attr_ints("kernel_shape", {k, k}), attr_ints("strides", {stride, stride}),
             attr_ints("pads", {p.padding, p.padding, p.padding, p.padding}), attr_i("group", c)});
  }

  const Int8Model& m_;
  OnnxBuilder& b_;
  OnnxInt8Form form_;
  Calibration calibration_;
  std::vector<std::string> base_;  // each value's base name
  std::set<std::string> dequantized_;
  std::map<int, Int8Point> head_points_;
};

}  // namespace

void export_onnx_int8(const std::string& path, const Int8Model& model, OnnxInt8Form form,
                      const OnnxExportOptions& options) {
  check_supported(model);
  OnnxBuilder b(form == OnnxInt8Form::qoperator ? std::map<std::string, int64_t>{{"", 13}, {kMicrosoft, 1}}
                                                : std::map<std::string, int64_t>{{"", 13}});
  b.input("input", options.input_dims);
  const Calibration calibration =
      form == OnnxInt8Form::qoperator ? calibrate_qoperator(model, options.calibration) : Calibration{};
  Int8Exporter(model, b, form, calibration).run();
  b.output("output", model.dims(model.output()));
  std::map<std::string, std::string> metadata = options.metadata;
  metadata["quantization"] = form == OnnxInt8Form::qoperator
                                 ? "int8 QOperator (QLinearConv, com.microsoft QLinearAdd/QLinearConcat/"
                                   "QLinearAveragePool/QLinearGlobalAveragePool), from minnow's convert_int8"
                                 : "int8 QDQ (QuantizeLinear/DequantizeLinear, per-channel weights), from minnow's "
                                   "convert_int8";
  if (calibration.logits_scale > 0.f) metadata["logits_scale"] = std::to_string(calibration.logits_scale);
  b.metadata(metadata);
  write_onnx(path, b.model());
}

}  // namespace minnow
