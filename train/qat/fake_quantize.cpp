// Observers and fake quantization for QAT: range tracking, scales, and the calls into
// the fake_quant ops. See fake_quantize.h for the scheme.
#include "train/qat/fake_quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"
#include "core/grad_mode.h"
#include "ops/fake_quant.h"

namespace minnow {
namespace {

constexpr float kEps = std::numeric_limits<float>::epsilon();

float& at(const Tensor& t, int64_t i = 0) { return t.data<float>()[i]; }

// Signed points: symmetric; non-negative ones: affine over [0, max], whose zero point is 0.
float activation_scale(MinMax range, QuantRange r, bool is_signed) {
  if (is_signed) return quant_params(range, r, QScheme::symmetric).scale;
  return quant_params({0.0f, range.max}, r, QScheme::affine).scale;
}

}  // namespace

ActivationFakeQuant::ActivationFakeQuant(const ActivationQuantOptions& options)
    : Module("ActivationFakeQuant"), options_(options), range_(quant_range(options.bits, options.is_signed)) {
  MINNOW_CHECK(options.momentum > 0 && options.momentum <= 1,
               "ActivationFakeQuant: expected momentum in (0, 1], got ", options.momentum);
  min_val_ = register_buffer("min_val", Tensor::zeros({1}));
  max_val_ = register_buffer("max_val", Tensor::zeros({1}));
  scale_ = register_buffer("scale", Tensor::full({1}, 1.0f));
  zero_point_ = register_buffer("zero_point", Tensor::zeros({1}, DType::s32));
  observer_enabled_ = register_buffer("observer_enabled", Tensor::full({1}, 1.0f));
  initialized_ = register_buffer("initialized", Tensor::zeros({1}));
  if (options.lsq) learned_scale_ = register_parameter("learned_scale", Tensor::full({1}, 1.0f));
}

float ActivationFakeQuant::scale() const { return at(scale_); }

void ActivationFakeQuant::enable_observer(bool enabled) { at(observer_enabled_) = enabled ? 1.0f : 0.0f; }

bool ActivationFakeQuant::observer_enabled() const { return at(observer_enabled_) != 0.0f; }

void ActivationFakeQuant::observe(MinMax batch) {
  MinMax running;
  if (at(initialized_) != 0.0f) running = {at(min_val_), at(max_val_)};
  if (replica_range_) replica_range_(batch);
  const MinMax range = ema_update(running, batch, options_.momentum);
  at(min_val_) = range.min;
  at(max_val_) = range.max;
  at(scale_) = activation_scale(range, range_, options_.is_signed);
  if (options_.lsq && at(initialized_) == 0.0f) at(learned_scale_.data()) = at(scale_);
  at(initialized_) = 1.0f;
}

Var ActivationFakeQuant::forward_impl(const Var& x) {
  if (training() && observer_enabled() && !recomputing() && !(options_.lsq && at(initialized_) != 0.0f))
    observe(tensor_min_max(x.data()));
  if (options_.lsq) {
    Var y = fake_quant_lsq(x, learned_scale_, 0, range_);
    at(scale_) = std::max(std::abs(at(learned_scale_.data())), kEps);
    return y;
  }
  return fake_quant_per_tensor(x, at(scale_), 0, range_);
}

Var ActivationFakeQuant::forward_after_clip(const Var& x, float lo, float hi) {
  MINNOW_CHECK(!options_.lsq, "ActivationFakeQuant: forward_after_clip does not learn the scale (LSQ)");
  if (training() && observer_enabled() && !recomputing()) {
    const MinMax m = tensor_min_max(x.data());  // the clip is monotone: it maps x's range onto clip(x)'s
    const auto clip = [&](float v) { return std::min(std::max(v, lo), hi); };
    observe({clip(m.min), clip(m.max)});
  }
  return fake_quant_after_clip(x, lo, hi, at(scale_), 0, range_);
}

WeightFakeQuant::WeightFakeQuant(const WeightQuantOptions& options, int64_t channels)
    : Module("WeightFakeQuant"), options_(options), range_(quant_range(options.bits, true)) {
  const Dims d{options.per_channel ? channels : 1};
  scale_ = register_buffer("scale", Tensor::full(d, 1.0f));
  zero_point_ = register_buffer("zero_point", Tensor::zeros(d, DType::s32));
  initialized_ = register_buffer("initialized", Tensor::zeros({1}));
  if (options.lsq) learned_scale_ = register_parameter("learned_scale", Tensor::full(d, 1.0f));
}

Var WeightFakeQuant::forward_impl(const Var& w) {
  const Tensor& data = w.data();  // (C, ...) in any layout
  const int64_t channels = scale_.numel();
  MINNOW_CHECK(!options_.per_channel || data.dim(0) == channels, "WeightFakeQuant: expected ", channels,
               " output channels, got a weight of dims ", dims_str(data.dims()));
  if (!options_.lsq || at(initialized_) == 0.0f) {
    std::vector<MinMax> ranges = channel_min_max(data);
    if (!options_.per_channel) {
      MinMax all;
      for (const MinMax& m : ranges) all = {std::min(all.min, m.min), std::max(all.max, m.max)};
      ranges = {all};
    }
    const ChannelQuantParams q = channel_quant_params(ranges, range_, QScheme::symmetric);
    std::copy_n(q.scales.data<float>(), channels, scale_.data<float>());
    if (options_.lsq) std::copy_n(scale_.data<float>(), channels, learned_scale_.data().data<float>());
    at(initialized_) = 1.0f;
  }
  if (options_.lsq) {
    Var y = fake_quant_lsq(w, learned_scale_, 0, range_);
    for (int64_t c = 0; c < channels; ++c) at(scale_, c) = std::max(std::abs(at(learned_scale_.data(), c)), kEps);
    return y;
  }
  return options_.per_channel ? fake_quant_per_channel(w, scale_, zero_point_, range_)
                              : fake_quant_per_tensor(w, at(scale_), 0, range_);
}

}  // namespace minnow
