// The loop runs on channels-last or nChw16c tensors, where the 16 channels of a block sit side
// by side at every position, so each tap's product vectorises over them; blocks go to threads, and each
// block's k x k accumulators (16 lanes each) are private to it. Each channel's sums are taken
// in double in the order (n, i, j), as the scalar loop this replaced did: the same gradients
// to the bit, so trainings that ran through it do not move.
#include "ops/depthwise_weight_grad.h"

#include <algorithm>
#include <vector>

#include "core/error.h"

namespace minnow {

dnnl::memory::desc nhwc_f32(const Dims& dims) { return {dims, dt::f32, dnnl::memory::format_tag::nhwc}; }
dnnl::memory::desc nchw16c_f32(const Dims& dims) { return {dims, dt::f32, dnnl::memory::format_tag::nChw16c}; }

Tensor depthwise_weight_grad(const Tensor& x, const Tensor& dy, const DepthwiseGeometry& g) {
  const Dims xd = x.dims(), yd = dy.dims();
  const bool blocked = x.desc() == nchw16c_f32(xd) && dy.desc() == nchw16c_f32(yd);
  MINNOW_CHECK(blocked || (x.desc() == nhwc_f32(xd) && dy.desc() == nhwc_f32(yd)),
               "depthwise_weight_grad: expected f32 x and dy both nhwc or both nChw16c, got x ", dims_str(xd),
               " and dy ", dims_str(yd), " in other layouts");
  const int64_t n = xd[0], c = xd[1], h = xd[2], w = xd[3], oh = yd[2], ow = yd[3], k = g.kernel;
  constexpr int64_t kBlock = 16;
  Tensor dw = Tensor::zeros({c, 1, k, k});
  const float* xp = x.data<float>();
  const float* gp = dy.data<float>();
  float* out = dw.data<float>();
  const int64_t blocks = (c + kBlock - 1) / kBlock;
  // The first of block cb's channels at (b, i, j) of a map of height rows and width cols.
  const auto at = [&](const float* base, int64_t b, int64_t cb, int64_t i, int64_t j, int64_t rows, int64_t cols) {
    return blocked ? base + ((b * blocks + cb) * rows * cols + i * cols + j) * kBlock
                   : base + ((b * rows + i) * cols + j) * c + cb * kBlock;
  };
#pragma omp parallel for
  for (int64_t cb = 0; cb < blocks; ++cb) {
    const int64_t c0 = cb * kBlock, lanes = std::min(kBlock, c - c0);
    std::vector<double> acc(static_cast<size_t>(k * k * kBlock), 0.0);  // acc[tap][lane]
    for (int64_t b = 0; b < n; ++b)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          const float* gy = at(gp, b, cb, i, j, oh, ow);
          for (int64_t p = 0; p < k; ++p) {
            const int64_t ii = i * g.stride - g.padding + p * g.dilation;
            if (ii < 0 || ii >= h) continue;
            for (int64_t q = 0; q < k; ++q) {
              const int64_t jj = j * g.stride - g.padding + q * g.dilation;
              if (jj < 0 || jj >= w) continue;
              const float* xv = at(xp, b, cb, ii, jj, h, w);
              double* a = acc.data() + (p * k + q) * kBlock;
#pragma omp simd
              for (int64_t t = 0; t < lanes; ++t) a[t] += static_cast<double>(gy[t]) * xv[t];
            }
          }
        }
    for (int64_t t = 0; t < lanes; ++t)
      for (int64_t tap = 0; tap < k * k; ++tap)
        out[(c0 + t) * k * k + tap] = static_cast<float>(acc[static_cast<size_t>(tap * kBlock + t)]);
  }
  return dw;
}

}  // namespace minnow
