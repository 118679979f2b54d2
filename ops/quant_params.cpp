// Quantization-parameter math: every formula is evaluated in float32, step by step as
// torch.ao.quantization evaluates it on float32 tensors, so that the results are equal.
// Min/max reductions run on the raw buffer when it has no padding, else on ChannelWalk.
#include "ops/quant_params.h"

#include <algorithm>
#include <cmath>

#include "core/cpu_clones.h"
#include "core/error.h"
#include "ops/channel_walk.h"

namespace minnow {
namespace {

MinMax merge(MinMax a, MinMax b) { return {std::min(a.min, b.min), std::max(a.max, b.max)}; }

// True when every element of the buffer is a logical element (no padding, no holes).
bool buffer_is_logical(const Tensor& t) {
  const auto& d = t.desc().data;
  return Dims(d.padded_dims, d.padded_dims + d.ndims) == t.dims() &&
         t.bytes() == static_cast<size_t>(t.numel()) * sizeof(float);
}

constexpr int64_t kChunk = 32768;  // elements per thread's share of a min/max reduction

// Min and max of n > 0 contiguous floats, in 16 lanes the compiler keeps in vector registers.
// Each lane takes v < lo ? v : lo, as std::min(lo, v) does, so the result is std::min's. Without
// the simd pragma GCC 12 unrolls the lanes into 32 scalar minss/maxss (x86-64 has vminps/vmaxps,
// whose operand order gives exactly v < lo ? v : lo).
MINNOW_CPU_CLONES MinMax span_min_max(const float* p, int64_t n) {
  constexpr int64_t kLanes = 16;
  float lo[kLanes], hi[kLanes];
  std::fill_n(lo, kLanes, p[0]);
  std::fill_n(hi, kLanes, p[0]);
  int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
#pragma omp simd
    for (int64_t j = 0; j < kLanes; ++j) {
      const float v = p[i + j];
      lo[j] = v < lo[j] ? v : lo[j];
      hi[j] = hi[j] < v ? v : hi[j];
    }
  }
  MinMax m{p[0], p[0]};
  for (; i < n; ++i) m = merge(m, {p[i], p[i]});
  for (int64_t j = 0; j < kLanes; ++j) m = merge(m, {lo[j], hi[j]});
  return m;
}

// Min and max of each channel of a ChannelWalk over t; a plain t's channels are contiguous runs.
std::vector<MinMax> walk_min_max(const Tensor& t, int channel_dims) {
  const ChannelWalk walk(t.desc(), channel_dims);
  const float* p = t.data<float>();
  std::vector<MinMax> ranges(static_cast<size_t>(walk.channels()));
  if (t.is_plain()) {
    const int64_t per = t.numel() / walk.channels();
#pragma omp parallel for if (t.numel() > kChunk)
    for (int64_t c = 0; c < walk.channels(); ++c) ranges[static_cast<size_t>(c)] = span_min_max(p + c * per, per);
    return ranges;
  }
#pragma omp parallel for if (t.numel() > 32768)
  for (int64_t c = 0; c < walk.channels(); ++c) {
    MinMax m;
    walk.visit(c, [&](int64_t offset) {
      m.min = std::min(m.min, p[offset]);
      m.max = std::max(m.max, p[offset]);
    });
    ranges[static_cast<size_t>(c)] = m;
  }
  return ranges;
}

const Tensor& f32_tensor(const char* op, const Tensor& t) {
  MINNOW_CHECK(t.defined(), op, ": the tensor is undefined");
  MINNOW_CHECK(t.dtype() == DType::f32, op, ": expected an f32 tensor, got ", dtype_name(t.dtype()));
  MINNOW_CHECK(t.numel() > 0, op, ": the tensor ", dims_str(t.dims()), " is empty");
  return t;
}

}  // namespace

QuantRange quant_range(int bits, bool is_signed) {
  MINNOW_CHECK(bits >= 2 && bits <= 8, "quant_range: bits must be in [2, 8], got ", bits);
  const int64_t levels = int64_t{1} << bits;
  if (is_signed) return {-levels / 2, levels / 2 - 1};
  return {0, levels - 1};
}

QuantParams quant_params(MinMax range, QuantRange r, QScheme scheme) {
  MINNOW_CHECK(std::isfinite(range.min) && std::isfinite(range.max) && range.min <= range.max,
               "quant_params: expected a finite observed range with min <= max, got [", range.min, ", ",
               range.max, "]");
  MINNOW_CHECK(r.qmin <= 0 && 0 <= r.qmax && r.qmin < r.qmax, "quant_params: the integer range [", r.qmin, ", ",
               r.qmax, "] must contain 0 and more than one level");
  const float eps = std::numeric_limits<float>::epsilon();
  const float min_neg = std::min(range.min, 0.0f), max_pos = std::max(range.max, 0.0f);
  if (scheme == QScheme::symmetric) {
    const float half_levels = static_cast<float>(static_cast<double>(r.qmax - r.qmin) / 2);
    const float scale = std::max(std::max(-min_neg, max_pos) / half_levels, eps);
    return {scale, r.qmin < 0 ? 0 : (r.qmin + r.qmax) / 2};
  }
  const float scale = std::max((max_pos - min_neg) / static_cast<float>(r.qmax - r.qmin), eps);
  const int64_t zero_point = r.qmin - static_cast<int64_t>(std::nearbyint(min_neg / scale));
  return {scale, std::clamp(zero_point, r.qmin, r.qmax)};
}

ChannelQuantParams channel_quant_params(const std::vector<MinMax>& ranges, QuantRange r, QScheme scheme) {
  const int64_t channels = static_cast<int64_t>(ranges.size());
  ChannelQuantParams params{Tensor::zeros({channels}), Tensor::zeros({channels}, DType::s32)};
  for (size_t c = 0; c < ranges.size(); ++c) {
    const QuantParams p = quant_params(ranges[c], r, scheme);
    params.scales.data<float>()[c] = p.scale;
    params.zero_points.data<int32_t>()[c] = static_cast<int32_t>(p.zero_point);
  }
  return params;
}

MinMax tensor_min_max(const Tensor& x) {
  f32_tensor("tensor_min_max", x);
  if (!buffer_is_logical(x)) {
    MinMax m;
    for (const MinMax& part : walk_min_max(x, std::min(2, x.ndims()))) m = merge(m, part);
    return m;
  }
  const float* p = x.data<float>();
  const int64_t n = x.numel(), chunks = (n + kChunk - 1) / kChunk;
  std::vector<MinMax> parts(static_cast<size_t>(chunks));
#pragma omp parallel for if (chunks > 1)
  for (int64_t c = 0; c < chunks; ++c) parts[static_cast<size_t>(c)] = span_min_max(p + c * kChunk, std::min(kChunk, n - c * kChunk));
  MinMax m;
  for (const MinMax& part : parts) m = merge(m, part);
  return m;
}

std::vector<MinMax> channel_min_max(const Tensor& w) {
  f32_tensor("channel_min_max", w);
  return walk_min_max(w, w.ndims() == 5 ? 2 : 1);
}

MinMax ema_update(MinMax running, MinMax current, float momentum) {
  if (running.min == std::numeric_limits<float>::infinity() && running.max == -running.min) return current;
  return {running.min + momentum * (current.min - running.min), running.max + momentum * (current.max - running.max)};
}

}  // namespace minnow
