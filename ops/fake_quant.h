// Fake quantization for quantization-aware training: quantize and dequantize in f32,
// with PyTorch's straight-through estimator, and LSQ (learned step size).
//
//   q = round_half_even(x * inv_scale) + zp     (inv_scale = 1 / scale, as torch's kernel multiplies)
//   y = (clamp(q, qmin, qmax) - zp) * scale     (product evaluated in double, rounded once, as torch)
//   dx = dy * mask,  mask = (qmin <= q <= qmax) (torch's cachemask STE; the mask is recomputed from x)
//
// LSQ (Esser et al. 2020) also learns the scale s. With v = x / s (computed as x * inv_scale)
// the forward above is y = s * (clamp(round(v) + zp, qmin, qmax) - zp), so per element
//   y_s = d(y)/d(s) = round(v) - v   inside [qmin, qmax]  (the STE takes d round(v) / dv = 1,
//                                                          and dv/ds = -v / s),
//                   = qmin - zp      where q < qmin,   = qmax - zp   where q > qmax,
// and ds = g * sum over the elements that share s of dy * y_s, with the paper's gradient
// scale g = 1 / sqrt(n * qmax), n = elements per scale (numel per tensor, numel / C per channel).
// (torch's _LearnableFakeQuantize passes X.numel() for both. torch 1.13's learnable backward
// decides "inside" after adding zp before rounding, which differs from its own forward only at
// exact .5 ties, and its per-tensor backward takes int(zp + 0.5) as the zero point, which is 0,
// not -1, for zp = -1; this op keeps the forward's q and zp in backward.)
//
// Inputs may be in any blocked layout; outputs and dx keep x's descriptor and zero padding.
// Per-tensor ops run a flat loop over the buffer (padding 0 maps to 0 for any zp in range);
// per-channel ops find each element's channel from the layout's blocking info (ops/channel_walk.h),
// with no reorder. The channel is dim 0, or (g, o) flattened for a grouped weight (G, O/G, ...).
#pragma once

#include "core/var.h"
#include "ops/quant_params.h"

namespace minnow {

// x: any f32 tensor; scale > 0, qmin <= zero_point <= qmax.
Var fake_quant_per_tensor(const Var& x, float scale, int64_t zero_point, QuantRange r);

// fake_quant_per_tensor's forward over n contiguous floats, with no tape: y[i] = fq(x[i]), y may
// be x. For small f32 values outside autograd (the int8 model's squeeze-and-excitation gates).
void fake_quant_values(const float* x, float* y, int64_t n, float scale, int64_t zero_point, QuantRange r);

// x: (O, I, kH, kW), (O, I) or (G, O/G, C/G, kH, kW) weights; scales: (C) f32; zero_points: (C) s32
// (integers in [qmin, qmax]) or f32. An f32 zero point follows torch's float-qparams kernel: it is
// added before rounding, q = round_half_even(x * inv_scale + zp).
Var fake_quant_per_channel(const Var& x, const Tensor& scales, const Tensor& zero_points, QuantRange r);

// LSQ: scale is a (1) Var (per tensor) or a (C) Var (per channel, as above), values > 0.
Var fake_quant_lsq(const Var& x, const Var& scale, int64_t zero_point, QuantRange r);

// QAT's quantizer after a ReLU (lo = 0, hi = +infinity) or ReLU6 (lo = 0, hi = 6), fused with it:
//   y  = fake_quant_per_tensor(clip(x), scale, zero_point, r),  clip(x) = min(max(x, lo), hi)
//   dx = dy where lo < clip(x) < hi and q(clip(x)) lies in [qmin, qmax], else 0
// which is relu / relu6 (ops/eltwise.h) followed by fake_quant_per_tensor, value for value and
// gradient for gradient: oneDNN's clip computes x > lo ? x : lo, then c < hi ? c : hi (NaN
// becomes lo), and its backward from the output passes dy where lo < y < hi (relu: y > 0). One
// pass over memory each way instead of two, and only x is saved. lo <= 0 <= hi.
Var fake_quant_after_clip(const Var& x, float lo, float hi, float scale, int64_t zero_point, QuantRange r);

}  // namespace minnow
