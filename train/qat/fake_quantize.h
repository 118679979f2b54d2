// The QAT quantizer modules. Each holds its state in named buffers, so checkpoints
// resume it exactly: the observed range (EMA of per-batch min/max), the scale and zero
// point derived from it, and an observer-enabled flag. ActivationFakeQuant runs per
// tensor (u8 with zero point 0 for non-negative tensors, s8 symmetric for signed ones,
// the int8 model's scheme); WeightFakeQuant runs per output channel, symmetric s8.
// With LSQ the scale is a learned parameter instead, started from the first observation.
#pragma once

#include <functional>

#include "models/module.h"
#include "ops/quant_params.h"

namespace minnow {

struct ActivationQuantOptions {
  int bits = 8;
  bool is_signed = false;   // s8 symmetric; else u8 affine over a range that contains 0
  float momentum = 0.01f;   // EMA weight of each batch's min/max; the first batch sets the range
  bool lsq = false;
};

class ActivationFakeQuant : public Module {
 public:
  explicit ActivationFakeQuant(const ActivationQuantOptions& options);
  bool is_layer() const override { return true; }
  const ActivationQuantOptions& options() const { return options_; }
  QuantRange range() const { return range_; }
  float scale() const;
  // Stops (or restarts) updating the observed range; the scale stays where it is.
  void enable_observer(bool enabled);
  bool observer_enabled() const;
  // Data-parallel training: turns this replica's batch range into the global batch's
  // (the minimum and maximum over every replica), so every replica observes the same.
  void set_replica_range(std::function<void(MinMax&)> reduce) { replica_range_ = std::move(reduce); }
  // forward(clip(x)) for the clip of a ReLU (hi = +infinity) or ReLU6 (hi = 6) that x has not been
  // through yet, in one pass each way (ops/fake_quant.h, fake_quant_after_clip): the same output,
  // gradient and observed range as the activation followed by forward(). Not for LSQ.
  Var forward_after_clip(const Var& x, float lo, float hi);

 protected:
  // Training with the observer on: update the range, then fake-quantize with its scale.
  Var forward_impl(const Var& x) override;

 private:
  void observe(MinMax batch);  // this replica's batch range

  ActivationQuantOptions options_;
  QuantRange range_;
  std::function<void(MinMax&)> replica_range_;
  Tensor min_val_, max_val_, scale_, zero_point_, observer_enabled_, initialized_;  // each (1)
  Var learned_scale_;  // (1), LSQ only
};

struct WeightQuantOptions {
  int bits = 8;
  bool per_channel = true;  // symmetric per output channel (axis 0); else symmetric per tensor
  bool lsq = false;
};

class WeightFakeQuant : public Module {
 public:
  WeightFakeQuant(const WeightQuantOptions& options, int64_t channels);
  bool is_layer() const override { return true; }
  const WeightQuantOptions& options() const { return options_; }
  QuantRange range() const { return range_; }
  // (C) per channel, or (1); the values the last forward used.
  const Tensor& scales() const { return scale_; }

 protected:
  // w: (C, ...). Symmetric scales from the min and max per channel (or per tensor) of this very w.
  Var forward_impl(const Var& w) override;

 private:
  WeightQuantOptions options_;
  QuantRange range_;
  Tensor scale_, zero_point_, initialized_;
  Var learned_scale_;  // LSQ only
};

}  // namespace minnow
