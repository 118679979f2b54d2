// Quantization-parameter math for QAT observers, with no state: integer ranges,
// scale and zero point from an observed (min, max) as torch.ao.quantization's
// MinMaxObserver computes them, min/max of tensors in any layout, and the moving
// average of observed ranges. The observers that hold running state live in train/.
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "core/tensor.h"

namespace minnow {

struct QuantRange {
  int64_t qmin, qmax;
};

// [0, 2^bits - 1] (u8 style) or [-2^(bits-1), 2^(bits-1) - 1] (s8 style); bits in [2, 8].
QuantRange quant_range(int bits, bool is_signed);

// An observed range. The default value is "nothing observed yet" (torch's +inf / -inf).
struct MinMax {
  float min = std::numeric_limits<float>::infinity();
  float max = -std::numeric_limits<float>::infinity();
};

enum class QScheme { affine, symmetric };

struct QuantParams {
  float scale;
  int64_t zero_point;
};

// torch's UniformQuantizationObserverBase._calculate_qparams in float32, after widening
// [min, max] to contain 0 (eps = float epsilon):
//   affine:    scale = max(eps, (max - min) / (qmax - qmin)),
//              zero_point = clamp(qmin - round_half_even(min / scale), qmin, qmax);
//   symmetric: scale = max(eps, max(-min, max) / ((qmax - qmin) / 2)),
//              zero_point = 0 for a signed range, (qmin + qmax) / 2 rounded down for an
//              unsigned one (torch's rule for an explicit quant_min/quant_max; torch's
//              default-range quint8 observer uses 128 instead of 127).
QuantParams quant_params(MinMax range, QuantRange r, QScheme scheme);

struct ChannelQuantParams {
  Tensor scales;       // (C) f32
  Tensor zero_points;  // (C) s32
};
ChannelQuantParams channel_quant_params(const std::vector<MinMax>& ranges, QuantRange r, QScheme scheme);

// Min and max over the logical elements of an f32 tensor in any blocked layout (the
// padding of nChw16c with C = 24 does not count).
MinMax tensor_min_max(const Tensor& x);
// Min and max of each output channel of an f32 weight in any layout: along dim 0 of
// (O, I, kH, kW) or (O, I), or of (g, o) flattened for a grouped (G, O/G, C/G, kH, kW) weight.
std::vector<MinMax> channel_min_max(const Tensor& w);

// The moving average of torch's MovingAverageMinMaxObserver: the first observation
// (running holds "nothing observed") is taken as is, later ones as
// running + momentum * (current - running), in float32.
MinMax ema_update(MinMax running, MinMax current, float momentum);

}  // namespace minnow
