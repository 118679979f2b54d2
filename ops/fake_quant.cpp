// Fake quantization forward and backward side by side, as hand loops (oneDNN 2.6 has no
// fake-quant primitive). A QuantPlan holds one Quantizer per scale and how to reach the
// elements each one owns: the whole buffer (per tensor) or a ChannelWalk (per channel).
#include "ops/fake_quant.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/cpu_clones.h"
#include "core/error.h"
#include "core/gradient_buffer.h"
#include "core/tape.h"
#include "ops/channel_walk.h"
#include "ops/round_half_even.h"

namespace minnow {
namespace {

// The fake quantizer of one scale. q is kept as a float holding an integer, as torch does.
struct Quantizer {
  float scale, inv_scale, zero_point;
  bool zero_point_before_round;  // torch's float zero-point kernel
  QuantRange r;

  float q(float x) const {
    const float v = x * inv_scale;
    return zero_point_before_round ? round_half_even(v + zero_point) : round_half_even(v) + zero_point;
  }
  bool inside(float q) const { return q >= static_cast<float>(r.qmin) && q <= static_cast<float>(r.qmax); }
  float y(float q) const {
    const double clamped = std::clamp(static_cast<double>(q), static_cast<double>(r.qmin), static_cast<double>(r.qmax));
    return static_cast<float>((clamped - zero_point) * static_cast<double>(scale));
  }
  // LSQ's d(y)/d(scale), see the header.
  double dy_dscale(float x) const {
    const float q_x = q(x);
    if (q_x < static_cast<float>(r.qmin)) return static_cast<double>(r.qmin) - zero_point;
    if (q_x > static_cast<float>(r.qmax)) return static_cast<double>(r.qmax) - zero_point;
    const float v = x * inv_scale;
    return static_cast<double>(round_half_even(v)) - static_cast<double>(v);
  }
};

struct QuantPlan {
  std::vector<Quantizer> quantizers;  // one per tensor, or one per channel
  std::optional<ChannelWalk> walk;    // per channel only
};

int64_t buffer_floats(const Tensor& x) { return static_cast<int64_t>(x.bytes() / sizeof(float)); }

// Per channel: calls fn(quantizer, offset) on the logical elements of each channel, in any
// layout. (Runs over contiguous memory take the loops of for_each_run below.)
template <class Fn>
void for_each_channel_element(const QuantPlan& plan, const Tensor& x, Fn fn) {
#pragma omp parallel for if (x.numel() > 32768)
  for (int64_t c = 0; c < plan.walk->channels(); ++c) {
    const Quantizer& qz = plan.quantizers[static_cast<size_t>(c)];
    plan.walk->visit(c, [&](int64_t offset) { fn(qz, offset); });
  }
}

// LSQ's per-scale sums of dy * dy/dscale over the elements each scale owns.
std::vector<double> scale_gradient_sums(const QuantPlan& plan, const Tensor& x, const Tensor& dy) {
  const float *px = x.data<float>(), *pdy = dy.data<float>();
  if (!plan.walk) {
    const Quantizer& qz = plan.quantizers[0];
    const int64_t n = buffer_floats(x);
    double sum = 0;
#pragma omp parallel for reduction(+ : sum) if (n > 32768)
    for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(pdy[i]) * qz.dy_dscale(px[i]);
    return {sum};
  }
  std::vector<double> sums(plan.quantizers.size());
#pragma omp parallel for if (x.numel() > 32768)
  for (int64_t c = 0; c < plan.walk->channels(); ++c) {
    const Quantizer& qz = plan.quantizers[static_cast<size_t>(c)];
    double sum = 0;
    plan.walk->visit(c, [&](int64_t offset) { sum += static_cast<double>(pdy[offset]) * qz.dy_dscale(px[offset]); });
    sums[static_cast<size_t>(c)] = sum;
  }
  return sums;
}

const Tensor& f32_input(const char* op, const Var& x) {
  MINNOW_CHECK(x.defined(), op, ": x is an undefined Var");
  MINNOW_CHECK(x.data().dtype() == DType::f32, op, ": expected an f32 input, got ", dtype_name(x.data().dtype()));
  return x.data();
}

void check_range(const char* op, QuantRange r) {
  MINNOW_CHECK(r.qmin <= 0 && 0 <= r.qmax && r.qmin < r.qmax && r.qmax - r.qmin < (int64_t{1} << 16), op,
               ": the integer range [", r.qmin, ", ", r.qmax, "] must contain 0 and 2 to 65536 levels");
}

Quantizer make_quantizer(const char* op, float scale, float zero_point, bool zero_point_before_round,
                         QuantRange r) {
  MINNOW_CHECK(std::isfinite(scale) && scale > 0, op, ": scale must be finite and > 0, got ", scale);
  if (zero_point_before_round) {
    MINNOW_CHECK(std::isfinite(zero_point), op, ": zero point must be finite, got ", zero_point);
  } else {
    MINNOW_CHECK(zero_point >= static_cast<float>(r.qmin) && zero_point <= static_cast<float>(r.qmax), op,
                 ": zero point must be in [", r.qmin, ", ", r.qmax, "], got ", zero_point);
  }
  return {scale, 1.0f / scale, zero_point, zero_point_before_round, r};
}

QuantPlan per_tensor_plan(const char* op, float scale, int64_t zero_point, QuantRange r) {
  check_range(op, r);
  MINNOW_CHECK(zero_point >= r.qmin && zero_point <= r.qmax, op, ": zero point must be in [", r.qmin, ", ", r.qmax,
               "], got ", zero_point);
  return {{make_quantizer(op, scale, static_cast<float>(zero_point), false, r)}, std::nullopt};
}

QuantPlan per_channel_plan(const char* op, const Tensor& x, const std::vector<float>& scales,
                           const std::vector<float>& zero_points, bool zero_point_before_round, QuantRange r) {
  check_range(op, r);
  MINNOW_CHECK(x.ndims() >= 1, op, ": x must have a channel dim, got dims ", dims_str(x.dims()));
  QuantPlan plan{{}, ChannelWalk(x.desc(), x.ndims() == 5 ? 2 : 1)};
  const size_t channels = static_cast<size_t>(plan.walk->channels());
  MINNOW_CHECK(scales.size() == channels, op, ": expected ", channels, " scales for x of dims ", dims_str(x.dims()),
               ", got ", scales.size());
  MINNOW_CHECK(zero_points.size() == channels, op, ": expected ", channels, " zero points for x of dims ",
               dims_str(x.dims()), ", got ", zero_points.size());
  for (size_t c = 0; c < channels; ++c)
    plan.quantizers.push_back(make_quantizer(op, scales[c], zero_points[c], zero_point_before_round, r));
  return plan;
}

// The loops over contiguous runs, written out so that they vectorise: per tensor the whole
// buffer, per channel a plain weight's channel c (the run [c per, (c + 1) per)). The zero point
// is an integer there, so clamp(q) - zp is an integer below 2^17 and its product with scale,
// rounded once to float, equals Quantizer::y's product taken in double and then rounded.
// (Per channel with torch's float zero points, or in a blocked layout, the walk below runs.)
struct FlatQuantizer {
  float lo, hi, zero_point, scale, inv_scale;
  explicit FlatQuantizer(const Quantizer& qz)
      : lo(static_cast<float>(qz.r.qmin)),
        hi(static_cast<float>(qz.r.qmax)),
        zero_point(qz.zero_point),
        scale(qz.scale),
        inv_scale(qz.inv_scale) {}
};

constexpr int64_t kChunk = 32768;  // elements per thread's share of a per-tensor loop

// y = fq(x) over n elements. The fields are copied to locals so that the compiler knows the
// stores cannot change them.
MINNOW_CPU_CLONES void quantize_run(const FlatQuantizer& f, const float* x, float* y, int64_t n) {
  const float lo = f.lo, hi = f.hi, zero_point = f.zero_point, scale = f.scale, inv_scale = f.inv_scale;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float q = round_half_even(x[i] * inv_scale) + zero_point;
    const float clamped = q < lo ? lo : (hi < q ? hi : q);  // std::clamp, NaN kept
    y[i] = (clamped - zero_point) * scale;
  }
}

// dx = dy where q(x) lies in [qmin, qmax], else 0, over n elements.
MINNOW_CPU_CLONES void mask_run(const FlatQuantizer& f, const float* x, const float* dy, float* dx,
                                int64_t n) {
  const float lo = f.lo, hi = f.hi, zero_point = f.zero_point, inv_scale = f.inv_scale;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float q = round_half_even(x[i] * inv_scale) + zero_point, g = dy[i];  // both loads unconditional
    dx[i] = ((q >= lo) & (q <= hi)) ? g : 0.0f;
  }
}

// The bounds of the clip before a fused fake quant. The loops below clip as oneDNN's clip_v2
// forward does: x > lo ? x : lo, then c < hi ? c : hi.
struct Clip {
  float lo, hi;
};

// y = fq(clip(x)) over n elements: quantize_run's loop on the clipped value.
MINNOW_CPU_CLONES void clip_quantize_run(const FlatQuantizer& f, Clip clip, const float* x, float* y, int64_t n) {
  const float lo = f.lo, hi = f.hi, zero_point = f.zero_point, scale = f.scale, inv_scale = f.inv_scale;
  const float clip_lo = clip.lo, clip_hi = clip.hi;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float v = x[i] > clip_lo ? x[i] : clip_lo, c = v < clip_hi ? v : clip_hi;
    const float q = round_half_even(c * inv_scale) + zero_point;
    const float clamped = q < lo ? lo : (hi < q ? hi : q);
    y[i] = (clamped - zero_point) * scale;
  }
}

// dx = dy where lo < clip(x) < hi (the clip's derivative) and q(clip(x)) lies in [qmin, qmax].
MINNOW_CPU_CLONES void clip_mask_run(const FlatQuantizer& f, Clip clip, const float* x, const float* dy, float* dx,
                                     int64_t n) {
  const float lo = f.lo, hi = f.hi, zero_point = f.zero_point, inv_scale = f.inv_scale;
  const float clip_lo = clip.lo, clip_hi = clip.hi;
#pragma omp simd
  for (int64_t i = 0; i < n; ++i) {
    const float xi = x[i], g = dy[i];  // both loads unconditional
    const float v = xi > clip_lo ? xi : clip_lo, c = v < clip_hi ? v : clip_hi;
    const float q = round_half_even(c * inv_scale) + zero_point;
    const bool inside = (clip_lo < xi) & (xi < clip_hi);  // lo < c < hi, as c is x clipped
    dx[i] = (inside & (q >= lo) & (q <= hi)) ? g : 0.0f;
  }
}

// Calls run(flat quantizer, offset, count) over x's buffer in contiguous runs: per tensor in
// chunks, per channel (plain weights) one run per channel. False when the plan needs the walk.
template <class Run>
bool for_each_run(const QuantPlan& plan, const Tensor& x, Run run) {
  const int64_t n = buffer_floats(x);
  if (!plan.walk) {
    const FlatQuantizer f(plan.quantizers[0]);
    const int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel for if (chunks > 1)
    for (int64_t c = 0; c < chunks; ++c) run(f, c * kChunk, std::min(kChunk, n - c * kChunk));
    return true;
  }
  const bool integer_zero_points = std::none_of(plan.quantizers.begin(), plan.quantizers.end(),
                                                [](const Quantizer& q) { return q.zero_point_before_round; });
  if (!x.is_plain() || !integer_zero_points) return false;
  const int64_t channels = plan.walk->channels(), per = n / channels;
#pragma omp parallel for if (n > kChunk)
  for (int64_t c = 0; c < channels; ++c) run(FlatQuantizer(plan.quantizers[static_cast<size_t>(c)]), c * per, per);
  return true;
}

Tensor forward(const QuantPlan& plan, const Tensor& x) {
  const float* px = x.data<float>();
  Tensor y(x.desc());
  float* py = y.data<float>();
  if (for_each_run(plan, x, [&](const FlatQuantizer& f, int64_t at, int64_t count) {
        quantize_run(f, px + at, py + at, count);
      }))
    return y;
  y.zero();  // a walk never visits the padding
  for_each_channel_element(plan, x, [&](const Quantizer& qz, int64_t i) { py[i] = qz.y(qz.q(px[i])); });
  return y;
}

// dx = dy * mask, in x's layout.
Tensor backward_dx(const QuantPlan& plan, const Tensor& x, const Tensor& dy) {
  const Tensor dy_bwd = dy.to_layout(x.desc());
  const float *px = x.data<float>(), *pdy = dy_bwd.data<float>();
  Tensor dx(x.desc());
  float* pdx = dx.data<float>();
  if (for_each_run(plan, x, [&](const FlatQuantizer& f, int64_t at, int64_t count) {
        mask_run(f, px + at, pdy + at, pdx + at, count);
      }))
    return dx;
  dx.zero();
  for_each_channel_element(plan, x, [&](const Quantizer& qz, int64_t i) { pdx[i] = qz.inside(qz.q(px[i])) ? pdy[i] : 0.0f; });
  return dx;
}

// What a straight-through fake quant's backward reads: the plan and x.
struct FakeQuantSaved {
  QuantPlan plan;
  Tensor src;
};

std::vector<Tensor> fake_quant_backward(const FakeQuantSaved& saved, const std::vector<Tensor>& dy,
                                        const std::vector<bool>& need);

// Records y = fake_quant(x) whose only gradient is dx = dy * mask.
Var record_ste(const char* op, const Var& x, QuantPlan plan) {
  const Tensor& src = x.data();
  const Tensor y = forward(plan, src);
  if (!should_record({x})) return record_op(op, {x}, y, nullptr);
  return record_op(op, {x}, y, [saved = FakeQuantSaved{std::move(plan), src}](const auto& dy, const auto& need) {
    return fake_quant_backward(saved, dy, need);
  });
}

std::vector<Tensor> fake_quant_backward(const FakeQuantSaved& saved, const std::vector<Tensor>& dy,
                                        const std::vector<bool>&) {
  return {backward_dx(saved.plan, saved.src, dy[0])};
}

// What fake_quant_lsq's backward reads: the plan, x, the scale and LSQ's gradient scale g.
struct FakeQuantLsqSaved {
  QuantPlan plan;
  Tensor src;
  Tensor scale;  // (1) or (C)
  double g;
};

std::vector<Tensor> fake_quant_lsq_backward(const FakeQuantLsqSaved& saved, const std::vector<Tensor>& dy,
                                            const std::vector<bool>& need);

// What fake_quant_after_clip's backward reads.
struct ClipFakeQuantSaved {
  QuantPlan plan;  // per tensor
  Clip clip;
  Tensor src;
};

}  // namespace

Var fake_quant_per_tensor(const Var& x, float scale, int64_t zero_point, QuantRange r) {
  const char* op = "fake_quant_per_tensor";
  f32_input(op, x);
  return record_ste(op, x, per_tensor_plan(op, scale, zero_point, r));
}

void fake_quant_values(const float* x, float* y, int64_t n, float scale, int64_t zero_point, QuantRange r) {
  const QuantPlan plan = per_tensor_plan("fake_quant_values", scale, zero_point, r);
  quantize_run(FlatQuantizer(plan.quantizers[0]), x, y, n);
}

Var fake_quant_per_channel(const Var& x, const Tensor& scales, const Tensor& zero_points, QuantRange r) {
  const char* op = "fake_quant_per_channel";
  const Tensor& src = f32_input(op, x);
  MINNOW_CHECK(scales.defined() && scales.dtype() == DType::f32, op, ": scales must be an f32 tensor");
  MINNOW_CHECK(zero_points.defined() && (zero_points.dtype() == DType::s32 || zero_points.dtype() == DType::f32), op,
               ": zero points must be an s32 or f32 tensor");
  const bool float_zero_points = zero_points.dtype() == DType::f32;
  return record_ste(op, x, per_channel_plan(op, src, scales.to_plain(), zero_points.to_plain(), float_zero_points, r));
}

Var fake_quant_lsq(const Var& x, const Var& scale, int64_t zero_point, QuantRange r) {
  const char* op = "fake_quant_lsq";
  const Tensor& src = f32_input(op, x);
  MINNOW_CHECK(scale.defined() && scale.data().dtype() == DType::f32, op, ": scale must be a defined f32 Var");
  const std::vector<float> scales = scale.data().to_plain();
  QuantPlan plan = scales.size() == 1
                       ? per_tensor_plan(op, scales[0], zero_point, r)
                       : per_channel_plan(op, src, scales, std::vector<float>(scales.size(), static_cast<float>(zero_point)),
                                          false, r);
  const Tensor y = forward(plan, src);
  if (!should_record({x, scale})) return record_op(op, {x, scale}, y, nullptr);
  const int64_t per_scale = src.numel() / static_cast<int64_t>(scales.size());
  const double g = 1 / std::sqrt(static_cast<double>(per_scale) * static_cast<double>(r.qmax));
  return record_op(op, {x, scale}, y,
                   [saved = FakeQuantLsqSaved{std::move(plan), src, scale.data(), g}](const auto& dy,
                                                                                     const auto& need) {
                     return fake_quant_lsq_backward(saved, dy, need);
                   });
}

Var fake_quant_after_clip(const Var& x, float lo, float hi, float scale, int64_t zero_point, QuantRange r) {
  const char* op = "fake_quant_after_clip";
  const Tensor& src = f32_input(op, x);
  MINNOW_CHECK(lo <= 0 && 0 <= hi, op, ": the clip [", lo, ", ", hi, "] must contain 0 (the layout's padding)");
  const Clip clip{lo, hi};
  QuantPlan plan = per_tensor_plan(op, scale, zero_point, r);
  const float* px = src.data<float>();
  Tensor y(src.desc());
  float* py = y.data<float>();
  for_each_run(plan, src, [&](const FlatQuantizer& f, int64_t at, int64_t count) {
    clip_quantize_run(f, clip, px + at, py + at, count);
  });
  if (!should_record({x})) return record_op(op, {x}, y, nullptr);
  return record_op(op, {x}, y, [saved = ClipFakeQuantSaved{std::move(plan), clip, src}](const auto& dy, const auto&) {
    // The loop is elementwise, so dx may be written over dy (core/gradient_buffer.h).
    const Tensor dx = gradient_buffer(dy[0], saved.src.desc());
    const Tensor dy_bwd = dy[0].to_layout(saved.src.desc());
    const float *sx = saved.src.data<float>(), *sdy = dy_bwd.data<float>();
    float* sdx = dx.data<float>();
    for_each_run(saved.plan, saved.src, [&](const FlatQuantizer& f, int64_t at, int64_t count) {
      clip_mask_run(f, saved.clip, sx + at, sdy + at, sdx + at, count);
    });
    return std::vector<Tensor>{dx};
  });
}

namespace {

std::vector<Tensor> fake_quant_lsq_backward(const FakeQuantLsqSaved& saved, const std::vector<Tensor>& dy,
                                            const std::vector<bool>& need) {
  const Tensor dy_bwd = dy[0].to_layout(saved.src.desc());
  std::vector<Tensor> grads(2);  // dx, dscale
  if (need[0]) grads[0] = backward_dx(saved.plan, saved.src, dy_bwd);
  if (need[1]) {
    const std::vector<double> sums = scale_gradient_sums(saved.plan, saved.src, dy_bwd);
    std::vector<float> dscale(sums.size());
    for (size_t k = 0; k < sums.size(); ++k) dscale[k] = static_cast<float>(saved.g * sums[k]);
    grads[1] = Tensor::from_plain(saved.scale.dims(), dscale).to_layout(saved.scale.desc());
  }
  return grads;
}

}  // namespace

}  // namespace minnow
