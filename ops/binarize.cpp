// Weight and activation binarization, forward and backward side by side, as hand loops. The
// weight op visits each output channel's elements in the weight's own layout: a contiguous run in
// a plain weight, else the walk of ops/channel_walk.h, so a blocked conv weight is binarized
// without a reorder. The activation op is elementwise.
#include "ops/binarize.h"

#include <cmath>
#include <vector>

#include "core/error.h"
#include "core/tape.h"
#include "ops/channel_walk.h"

namespace minnow {
namespace {

inline float sign_of(float v) { return static_cast<float>((v > 0.0f) - (v < 0.0f)); }
inline bool in_ste_window(float v) { return std::fabs(v) <= 1.0f; }

int64_t buffer_floats(const Tensor& t) { return static_cast<int64_t>(t.bytes() / sizeof(float)); }

void check_f32(const char* op, const Var& x) {
  MINNOW_CHECK(x.defined(), op, ": input is an undefined Var");
  MINNOW_CHECK(x.data().dtype() == DType::f32, op, ": expected an f32 input, got ", dtype_name(x.data().dtype()));
}

// The elements of each output channel of a weight in its layout.
class WeightChannels {
 public:
  explicit WeightChannels(const Tensor& w) : walk_(w.desc(), w.ndims() == 5 ? 2 : 1), plain_(w.is_plain()) {}
  int64_t channels() const { return walk_.channels(); }
  int64_t per_channel() const { return walk_.per_channel(); }
  // Calls fn(offset) for the buffer offset of every element of channel c.
  template <class Fn>
  void visit(int64_t c, Fn&& fn) const {
    if (!plain_) return walk_.visit(c, fn);
    const int64_t per = walk_.per_channel();
    for (int64_t i = c * per; i < (c + 1) * per; ++i) fn(i);
  }

 private:
  ChannelWalk walk_;
  bool plain_;  // channel c is the run [c per, (c + 1) per)
};

// What binarize_weight's backward reads: w's channels, w and each channel's alpha.
struct BinarizeWeightSaved {
  WeightChannels walk;
  Tensor src;                // w, in its layout
  std::vector<float> alpha;  // (channels)
};

// y = alpha_c * sign(w) per channel c; fills alpha.
Tensor binarize_weight_forward(const WeightChannels& walk, const Tensor& w, std::vector<float>& alpha) {
  const float* pw = w.data<float>();
  Tensor y(w.desc());
  y.zero();  // no channel's visit reaches the padding
  float* py = y.data<float>();
  alpha.assign(static_cast<size_t>(walk.channels()), 0.0f);
  const double n = static_cast<double>(walk.per_channel());
#pragma omp parallel for if (w.numel() > 32768)
  for (int64_t c = 0; c < walk.channels(); ++c) {
    double sum = 0;
    walk.visit(c, [&](int64_t i) { sum += std::fabs(static_cast<double>(pw[i])); });
    const float a = static_cast<float>(sum / n);
    alpha[static_cast<size_t>(c)] = a;
    walk.visit(c, [&](int64_t i) { py[i] = a * sign_of(pw[i]); });
  }
  return y;
}

// dw_j = s_j (1/n) sum_i dy_i s_i + alpha dy_j 1_{|w_j|<=1}, per channel (see the header).
Tensor binarize_weight_backward(const BinarizeWeightSaved& saved, const Tensor& dy) {
  const Tensor dy_w = dy.to_layout(saved.src.desc());
  const float *pw = saved.src.data<float>(), *pdy = dy_w.data<float>();
  Tensor dw(saved.src.desc());
  dw.zero();
  float* pdw = dw.data<float>();
  const WeightChannels& walk = saved.walk;
  const double n = static_cast<double>(walk.per_channel());
#pragma omp parallel for if (saved.src.numel() > 32768)
  for (int64_t c = 0; c < walk.channels(); ++c) {
    double signed_sum = 0;  // sum_i dy_i s_i
    walk.visit(c, [&](int64_t i) { signed_sum += static_cast<double>(pdy[i]) * sign_of(pw[i]); });
    const float mean_term = static_cast<float>(signed_sum / n), a = saved.alpha[static_cast<size_t>(c)];
    walk.visit(c, [&](int64_t i) {
      pdw[i] = sign_of(pw[i]) * mean_term + (in_ste_window(pw[i]) ? a * pdy[i] : 0.0f);
    });
  }
  return dw;
}

}  // namespace

Var binarize_weight(const Var& w) {
  const char* op = "binarize_weight";
  check_f32(op, w);
  const Tensor& src = w.data();
  const int nd = src.ndims();
  MINNOW_CHECK(nd == 2 || nd == 4 || nd == 5, op,
               ": expected a weight (O, I), (O, I/g, kH, kW) or (G, O/G, I/g, kH, kW), got dims ", dims_str(src.dims()));
  BinarizeWeightSaved saved{WeightChannels(src), src, {}};
  const Tensor y = binarize_weight_forward(saved.walk, src, saved.alpha);
  if (!should_record({w})) return record_op(op, {w}, y, nullptr);
  return record_op(op, {w}, y, [saved = std::move(saved)](const std::vector<Tensor>& dy, const std::vector<bool>&) {
    return std::vector<Tensor>{binarize_weight_backward(saved, dy[0])};
  });
}

Var binarize_activation(const Var& x) {
  const char* op = "binarize_activation";
  check_f32(op, x);
  const Tensor& src = x.data();
  const float* px = src.data<float>();
  const int64_t n = buffer_floats(src);  // padding is 0 and sign(0) = 0
  Tensor y(src.desc());
  float* py = y.data<float>();
#pragma omp parallel for simd if (n > 32768)
  for (int64_t i = 0; i < n; ++i) py[i] = sign_of(px[i]);
  if (!should_record({x})) return record_op(op, {x}, y, nullptr);
  return record_op(op, {x}, y, [src](const std::vector<Tensor>& dy, const std::vector<bool>&) {
    const Tensor dy_x = dy[0].to_layout(src.desc());
    const float *saved_x = src.data<float>(), *pdy = dy_x.data<float>();
    const int64_t count = buffer_floats(src);
    Tensor dx(src.desc());
    float* pdx = dx.data<float>();
#pragma omp parallel for simd if (count > 32768)
    for (int64_t i = 0; i < count; ++i) pdx[i] = in_ste_window(saved_x[i]) ? pdy[i] : 0.0f;
    return std::vector<Tensor>{dx};
  });
}

}  // namespace minnow
