// Int8Model::forward runs the steps in order over a slot per value, each freed after its
// last reader; tensors() lists what the safetensors export writes.
#include "train/qat/int8_model.h"

#include "core/error.h"
#include "core/grad_mode.h"
#include "ops/int8/add.h"
#include "ops/int8/channel_gate.h"
#include "ops/int8/classifier.h"
#include "ops/int8/concat.h"
#include "ops/int8/pool.h"
#include "ops/int8/shuffle.h"
#include "ops/int8/split.h"
#include "ops/layout.h"

namespace minnow {
namespace {

// The layout the image is quantized into: the one the first conv runs on, when a conv reads it.
dnnl::memory::desc input_layout(const std::vector<Int8Step>& steps, int value, const Tensor& images, DType type) {
  for (const auto& s : steps)
    if (s.kind == Int8Step::Kind::conv && s.inputs[0] == value) return s.conv->input_desc(images.dims());
  return with_dtype(images.desc(), type);
}

}  // namespace

int64_t Int8Model::num_convs() const {
  int64_t n = 0;
  for (const auto& s : steps_) n += s.kind == Int8Step::Kind::conv;
  return n;
}

Tensor Int8Model::forward(const Tensor& images) const { return forward(images, nullptr); }

Tensor Int8Model::forward(const Tensor& images, const StepObserver& observe) const {
  const int64_t channels = dims_.empty() ? 0 : dims_.front().at(1);
  const Dims image_dims = images.dims();
  MINNOW_CHECK(image_dims.size() == 4 && image_dims.at(1) == channels, "Int8Model: expected images (N, ", channels,
               ", H, W), got ", dims_str(image_dims));
  std::vector<size_t> last_read(points_.size(), 0);
  for (size_t i = 0; i < steps_.size(); ++i)
    for (int v : steps_[i].inputs) last_read[static_cast<size_t>(v)] = i;
  std::vector<QTensor> v(points_.size());
  v[0] = {images, 1.f};
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Int8Step& s = steps_[i];
    const auto in = [&](size_t k) -> const QTensor& { return v[static_cast<size_t>(s.inputs[k])]; };
    const Int8Point& out = points_[static_cast<size_t>(s.outputs[0])];
    QTensor& y = v[static_cast<size_t>(s.outputs[0])];
    if (observe) {
      std::vector<QTensor> inputs;
      for (int r : s.inputs) inputs.push_back(v[static_cast<size_t>(r)]);
      observe(s, inputs);
    }
    switch (s.kind) {
      case Int8Step::Kind::quantize:
        y = quantize(images, out.scale, input_layout(steps_, s.outputs[0], images, out.type));
        break;
      case Int8Step::Kind::conv: {
        const Int8Conv& conv = i < joined_.size() && joined_[i] ? *joined_[i] : *s.conv;
        if (s.inputs.size() < 2) {
          y = conv.forward(in(0));
        } else if (const auto r = static_cast<size_t>(s.inputs[1]);
                   last_read[r] == i && s.inputs[1] != output_ && s.inputs[0] != s.inputs[1]) {
          y = conv.forward(in(0), std::move(v[r]));  // the sum written over its last read residual
        } else {
          y = conv.forward(in(0), &in(1));
        }
        break;
      }
      case Int8Step::Kind::add: y = int8_add(in(0), in(1), out.type, out.scale, s.relu); break;
      case Int8Step::Kind::requantize: y = int8_concat({in(0)}, out.type, out.scale); break;
      case Int8Step::Kind::concat: {
        std::vector<QTensor> parts;
        for (size_t k = 0; k < s.inputs.size(); ++k) parts.push_back(in(k));
        y = int8_concat(parts, out.type, out.scale);
        break;
      }
      case Int8Step::Kind::split: {
        std::vector<int64_t> sizes;
        for (int o : s.outputs) sizes.push_back(dims_[static_cast<size_t>(o)][1]);
        std::vector<QTensor> pieces = int8_split(in(0), sizes);
        for (size_t k = 0; k < pieces.size(); ++k) v[static_cast<size_t>(s.outputs[k])] = std::move(pieces[k]);
        break;
      }
      case Int8Step::Kind::channel_shuffle: y = int8_channel_shuffle(in(0), s.groups); break;
      case Int8Step::Kind::pool:
        y = int8_pool2d(in(0), s.pool, s.pool.kind == Int8Pool2dOptions::Kind::avg ? out.scale : 0.f);
        break;
      case Int8Step::Kind::global_avg_pool: {
        const QTensor pooled = int8_global_avg_pool(in(0), DType::f32);  // (N, C, 1, 1) real
        const Dims d = pooled.data.dims();
        y = {pooled.data.to_layout(plain_desc(d)).reshape({d[0], d[1]}), 1.f};
        break;
      }
      case Int8Step::Kind::linear: {
        const Tensor& x = in(0).data;  // the f32 features (N, C) or the head's activation
        const bool s8 = i < linear_.size() && linear_[i] && x.dtype() == DType::f32 && x.ndims() == 2 && x.is_plain();
        y = {s8 ? s8_linear(x, *linear_[i], s.bias) : dequantized_linear(in(0), s.weight, s.bias), 1.f};
        break;
      }
      case Int8Step::Kind::activation: {
        const NoGrad no_grad;
        y = {apply_activation(s.activation, Var(in(0).data)).data(), 1.f};
        break;
      }
      case Int8Step::Kind::gate: {
        const Tensor gate = s.gate->forward(in(0));  // (N, C) from the pooled map
        const auto r = static_cast<size_t>(s.inputs[0]);
        if (last_read[r] == i && s.inputs[0] != output_)
          y = int8_gate_channels(std::move(v[r]), gate, out.type, out.scale);  // written over its input
        else
          y = int8_gate_channels(in(0), gate, out.type, out.scale);
        break;
      }
    }
    for (int r : s.inputs)
      if (last_read[static_cast<size_t>(r)] == i && r != output_) v[static_cast<size_t>(r)] = {};
  }
  const Tensor& logits = v[static_cast<size_t>(output_)].data;
  return logits.is_plain() ? logits : logits.to_layout(plain_desc(logits.dims()));
}

void Int8Model::plan() {
  std::vector<std::vector<size_t>> readers(points_.size());
  for (size_t i = 0; i < steps_.size(); ++i)
    for (int v : steps_[i].inputs) readers[static_cast<size_t>(v)].push_back(i);
  joined_.assign(steps_.size(), nullptr);
  linear_.assign(steps_.size(), nullptr);
  for (size_t i = 0; i < steps_.size(); ++i) {
    const Int8Step& s = steps_[i];
    if (s.kind == Int8Step::Kind::linear) {
      try {  // weights that are not scaled integers (none the converter makes) keep the f32 layer
        linear_[i] = std::make_shared<const S8Weights>(S8Weights::from(s.weight, s.w_scales));
      } catch (const Error&) {
      }
      continue;
    }
    if (s.kind != Int8Step::Kind::conv || s.conv->options().out_type == DType::f32 ||
        !requant_takes(s.conv->options().post_op))
      continue;
    const int v = s.outputs[0];
    const std::vector<size_t>& r = readers[static_cast<size_t>(v)];
    if (v == output_ || r.size() != 1) continue;
    const Int8Step& join = steps_[r[0]];
    if (join.kind != Int8Step::Kind::concat && join.kind != Int8Step::Kind::requantize) continue;
    const Int8Point& from = points_[static_cast<size_t>(v)];
    const Int8Point& to = points_[static_cast<size_t>(join.outputs[0])];
    if (from.type == to.type && from.scale == to.scale) continue;
    Int8ConvOptions o = s.conv->options();
    o.requant = Int8Requant{.type = to.type, .scale = to.scale};
    // Kept only where oneDNN runs the same kernel with the longer post-op chain: it has none for
    // some small grouped convs (ShuffleNet v1, 8 groups), and a reference one would be slower.
    try {
      auto fused = std::make_shared<const Int8Conv>(std::move(o));
      const Dims& x = dims_[static_cast<size_t>(s.inputs[0])];
      if (fused->impl(x) == s.conv->impl(x)) joined_[i] = std::move(fused);
    } catch (const dnnl::error&) {
    }
  }
}

std::vector<Int8Model::NamedTensor> Int8Model::tensors() const {
  std::vector<NamedTensor> out;
  const auto vector_tensor = [](const std::vector<float>& x) {
    return Tensor::from_plain({static_cast<int64_t>(x.size())}, x);
  };
  for (const auto& s : steps_) {
    if (s.kind == Int8Step::Kind::conv) {
      const Int8ConvOptions& o = s.conv->options();
      out.push_back({s.name + ".weight", o.weights});
      out.push_back({s.name + ".weight_scale", vector_tensor(o.w_scales)});
      out.push_back({s.name + ".bias", vector_tensor(o.bias)});
    }
    if (s.kind == Int8Step::Kind::gate) {
      for (const Int8SeFc* fc : {&s.gate->fc1, &s.gate->fc2}) {
        out.push_back({fc->name + ".weight", fc->weights.weight()});
        out.push_back({fc->name + ".bias", fc->bias});
        out.push_back({fc->name + ".output_scale", Tensor::full({1}, fc->scale)});
      }
    }
    if (s.kind == Int8Step::Kind::linear) {
      out.push_back({s.name + ".weight", s.weight});
      if (s.bias.defined()) out.push_back({s.name + ".bias", s.bias});
    }
    const Int8Point& p = points_[static_cast<size_t>(s.outputs[0])];
    if (p.type != DType::f32)
      out.push_back({s.kind == Int8Step::Kind::quantize ? "input_scale" : s.name + ".output_scale",
                     Tensor::full({1}, p.scale)});
  }
  return out;
}

}  // namespace minnow
