// batch_norm_relu6's kernels on nChw16c f32: element (n, c, s) of the (N, C, H W) map sits at
// ((n B + c / 16) H W + s) 16 + c % 16, B = ceil(C / 16) blocks, so a block's 16 channels are
// side by side at every position and each loop vectorises over them. Threads take (image,
// block) pairs; each pair's sums (ops/batch_norm_relu6_sums.h) are combined in image order:
// the same floats for any thread count.
// Padding channels (C not a multiple of 16) get gamma = beta = 0, so y, its mask and dx are 0
// there, as oneDNN keeps its padding.
#include "ops/batch_norm_relu6.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/cpu_clones.h"
#include "core/error.h"
#include "core/gradient_buffer.h"
#include "core/tape.h"
#include "ops/batch_norm.h"
#include "ops/batch_norm_relu6_sums.h"

namespace minnow {
namespace {

using bn_relu6::kLanes;

using dnnl::memory;

memory::desc blocked_md(const Dims& dims) { return {dims, dt::f32, memory::format_tag::nChw16c}; }

struct Geometry {
  int64_t n, c, blocks, hw;
  int64_t m() const { return n * hw; }
  int64_t lanes() const { return blocks * kLanes; }
  // The first float of image b's block cb.
  int64_t at(int64_t b, int64_t cb) const { return (b * blocks + cb) * hw * kLanes; }
};

// Per-channel constants the backward reads, padded to whole blocks (index cb 16 + lane).
struct Channels {
  std::vector<float> mean, rstd, beta;
};

// y = clip(gamma (x - mean) rstd + beta, 0, 6) for one (image, block) pair; a NaN stays NaN.
MINNOW_CPU_CLONES void normalize_block(const float* x, int64_t hw, const float* mean, const float* scale,
                                       const float* beta, float* y) {
  for (int64_t s = 0; s < hw; ++s)
#pragma omp simd
    for (int64_t l = 0; l < kLanes; ++l) {
      const float v = (x[s * kLanes + l] - mean[l]) * scale[l] + beta[l];
      y[s * kLanes + l] = v < 0.0f ? 0.0f : (v > 6.0f ? 6.0f : v);
    }
}

// dx = scale (g - mean_g - xhat mean_gx) for one (image, block) pair, scale = gamma rstd,
// mean_g = dbeta / M, mean_gx = dgamma / M. dx may be dy.
MINNOW_CPU_CLONES void input_gradient_block(const float* x, const float* dy, int64_t hw, const float* mean,
                                            const float* rstd, const float* scale, const float* beta,
                                            const float* mean_g, const float* mean_gx, float* dx) {
  for (int64_t s = 0; s < hw; ++s)
#pragma omp simd
    for (int64_t l = 0; l < kLanes; ++l) {
      const float centred = x[s * kLanes + l] - mean[l];
      const float v = centred * scale[l] + beta[l];
      const float g = v > 0.0f && v < 6.0f ? dy[s * kLanes + l] : 0.0f;
      dx[s * kLanes + l] = scale[l] * (g - mean_g[l] - centred * rstd[l] * mean_gx[l]);
    }
}

// Sums per (image, block) pair into part[(b B + cb) 32 ...]: 16 lanes of the first sum, then 16
// of the second; then over images in order into per-lane totals.
template <class Block>
std::vector<double> sum_pairs(const Geometry& g, Block&& block) {
  std::vector<double> part(static_cast<size_t>(g.n * g.blocks * 2 * kLanes), 0.0);
#pragma omp parallel for collapse(2)
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t cb = 0; cb < g.blocks; ++cb) {
      double* p = part.data() + (b * g.blocks + cb) * 2 * kLanes;
      block(b, cb, p, p + kLanes);
    }
  std::vector<double> total(static_cast<size_t>(2 * g.lanes()), 0.0);  // [first (lanes), second (lanes)]
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t cb = 0; cb < g.blocks; ++cb)
      for (int64_t l = 0; l < kLanes; ++l) {
        const double* p = part.data() + (b * g.blocks + cb) * 2 * kLanes;
        total[static_cast<size_t>(cb * kLanes + l)] += p[l];
        total[static_cast<size_t>(g.lanes() + cb * kLanes + l)] += p[kLanes + l];
      }
  return total;
}

std::vector<float> padded(const Tensor& t, int64_t lanes) {
  std::vector<float> out(static_cast<size_t>(lanes), 0.0f);
  const std::vector<float> plain = t.to_plain();
  std::copy(plain.begin(), plain.end(), out.begin());
  return out;
}

// Batch mean and biased variance per channel, summed around the block's values at image 0,
// position 0 (a shift that keeps E[(x - shift)^2] - E[x - shift]^2 from cancelling when the
// mean is large against the spread).
void batch_statistics(const float* x, const Geometry& g, std::vector<float>& mean, std::vector<float>& var) {
  std::vector<float> k(static_cast<size_t>(g.lanes()));
  for (int64_t cb = 0; cb < g.blocks; ++cb)
    std::copy(x + g.at(0, cb), x + g.at(0, cb) + kLanes, k.begin() + cb * kLanes);
  const std::vector<double> sums = sum_pairs(g, [&](int64_t b, int64_t cb, double* s1, double* s2) {
    bn_relu6::moments(x + g.at(b, cb), g.hw, k.data() + cb * kLanes, s1, s2);
  });
  const auto m = static_cast<double>(g.m());
  mean.resize(static_cast<size_t>(g.lanes()));
  var.resize(static_cast<size_t>(g.lanes()));
  for (int64_t i = 0; i < g.lanes(); ++i) {
    const auto at = static_cast<size_t>(i);
    const double d = sums[at] / m;  // E[x - shift]
    mean[at] = static_cast<float>(k[at] + d);
    var[at] = static_cast<float>(std::max(0.0, sums[static_cast<size_t>(g.lanes()) + at] / m - d * d));
  }
}

struct Relu6Saved {
  Geometry g;
  Tensor x;  // nChw16c
  Channels ch;
  std::vector<float> scale;  // gamma rstd
  memory::desc x_md;
};

std::vector<Tensor> batch_norm_relu6_backward(const Relu6Saved& s, const Tensor& dy_in,
                                              const std::vector<bool>& need) {
  const Geometry& g = s.g;
  const memory::desc md = blocked_md(s.x.dims());
  Tensor dx = gradient_buffer(dy_in, md);
  const Tensor dy = dy_in.to_layout(md);
  const float* xp = s.x.data<float>();
  const float* dyp = dy.data<float>();
  const std::vector<double> sums = sum_pairs(g, [&](int64_t b, int64_t cb, double* sg, double* sgx) {
    const int64_t c0 = cb * kLanes;
    bn_relu6::gradient_sums(xp + g.at(b, cb), dyp + g.at(b, cb), g.hw, &s.ch.mean[c0], &s.ch.rstd[c0], &s.scale[c0],
                           &s.ch.beta[c0], sg, sgx);
  });
  const int64_t c = g.c;
  Tensor dgamma(plain_desc({c})), dbeta(plain_desc({c}));
  std::vector<float> mean_g(static_cast<size_t>(g.lanes())), mean_gx(static_cast<size_t>(g.lanes()));
  const auto m = static_cast<double>(g.m());
  for (int64_t i = 0; i < g.lanes(); ++i) {
    const double sg = sums[static_cast<size_t>(i)], sgx = sums[static_cast<size_t>(g.lanes() + i)];
    mean_g[static_cast<size_t>(i)] = static_cast<float>(sg / m);
    mean_gx[static_cast<size_t>(i)] = static_cast<float>(sgx / m);
    if (i < c) {
      dbeta.data<float>()[i] = static_cast<float>(sg);
      dgamma.data<float>()[i] = static_cast<float>(sgx);
    }
  }
  std::vector<Tensor> grads(3);  // dx, dgamma, dbeta
  if (need[0]) {
    float* dxp = dx.data<float>();
#pragma omp parallel for collapse(2)
    for (int64_t b = 0; b < g.n; ++b)
      for (int64_t cb = 0; cb < g.blocks; ++cb) {
        const int64_t c0 = cb * kLanes, at = g.at(b, cb);
        input_gradient_block(xp + at, dyp + at, g.hw, &s.ch.mean[c0], &s.ch.rstd[c0], &s.scale[c0], &s.ch.beta[c0],
                             &mean_g[c0], &mean_gx[c0], dxp + at);
      }
    grads[0] = dx.to_layout(s.x_md);
  }
  if (need[1]) grads[1] = dgamma;
  if (need[2]) grads[2] = dbeta;
  return grads;
}

}  // namespace

Var batch_norm_relu6(const Var& x, const Var& gamma, const Var& beta, const Tensor& running_mean,
                     const Tensor& running_var, const BatchNormRelu6Options& options) {
  const Dims xd = x.dims();
  MINNOW_CHECK(xd.size() == 4 && x.data().dtype() == DType::f32,
               "batch_norm_relu6: expected an f32 input (N, C, H, W), got ", dtype_name(x.data().dtype()), " ",
               dims_str(xd));
  const Geometry g{xd[0], xd[1], (xd[1] + kLanes - 1) / kLanes, xd[2] * xd[3]};
  MINNOW_CHECK(g.m() > 1, "batch_norm_relu6: training needs more than one value per channel, got input dims ",
               dims_str(xd));
  MINNOW_CHECK(gamma.defined() && beta.defined() && gamma.dims() == Dims{g.c} && beta.dims() == Dims{g.c},
               "batch_norm_relu6: expected gamma and beta of dims [", g.c, "]");
  MINNOW_CHECK(running_mean.defined() == running_var.defined(),
               "batch_norm_relu6: expected running_mean and running_var both given or both undefined");
  MINNOW_CHECK(!running_mean.defined() ||
                   (running_mean.desc() == plain_desc({g.c}) && running_var.desc() == plain_desc({g.c})),
               "batch_norm_relu6: expected running_mean and running_var to be plain f32 buffers of dims [", g.c,
               "]");
  MINNOW_CHECK(options.eps > 0 && options.momentum >= 0 && options.momentum <= 1,
               "batch_norm_relu6: expected eps > 0 and momentum in [0, 1], got eps ", options.eps, ", momentum ",
               options.momentum);

  const Tensor src = x.data().to_layout(blocked_md(xd));
  const float* xp = src.data<float>();
  Relu6Saved s{g, src, {}, {}, x.data().desc()};
  std::vector<float> var;
  batch_statistics(xp, g, s.ch.mean, var);
  const std::vector<float> gamma_lanes = padded(gamma.data(), g.lanes());
  s.ch.beta = padded(beta.data(), g.lanes());
  s.ch.rstd.resize(static_cast<size_t>(g.lanes()));
  s.scale.resize(static_cast<size_t>(g.lanes()));
  for (size_t i = 0; i < s.scale.size(); ++i) {
    s.ch.rstd[i] = 1.0f / std::sqrt(var[i] + options.eps);
    s.scale[i] = gamma_lanes[i] * s.ch.rstd[i];
  }

  Tensor y(blocked_md(xd));
  float* yp = y.data<float>();
#pragma omp parallel for collapse(2)
  for (int64_t b = 0; b < g.n; ++b)
    for (int64_t cb = 0; cb < g.blocks; ++cb) {
      const int64_t c0 = cb * kLanes, at = g.at(b, cb);
      normalize_block(xp + at, g.hw, &s.ch.mean[c0], &s.scale[c0], &s.ch.beta[c0], yp + at);
    }
  if (running_mean.defined()) {
    const memory::desc channel_md = plain_desc({g.c});
    Tensor mean(channel_md), batch_var(channel_md);
    std::copy_n(s.ch.mean.begin(), g.c, mean.data<float>());
    std::copy_n(var.begin(), g.c, batch_var.data<float>());
    update_running_statistics(running_mean, running_var, mean, batch_var, static_cast<double>(g.m()),
                              options.momentum);
  }

  if (!should_record({x, gamma, beta})) return record_op("batch_norm_relu6", {x, gamma, beta}, y, nullptr);
  return record_op("batch_norm_relu6", {x, gamma, beta}, y, [s = std::move(s)](const auto& dy, const auto& need) {
    return batch_norm_relu6_backward(s, dy[0], need);
  });
}

}  // namespace minnow
