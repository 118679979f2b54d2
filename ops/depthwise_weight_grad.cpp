// The loop parallelises over channels; each channel's k x k sums are private.
#include "ops/depthwise_weight_grad.h"

#include <vector>

#include "core/error.h"

namespace minnow {

Tensor depthwise_weight_grad(const Tensor& x, const Tensor& dy, const DepthwiseGeometry& g) {
  MINNOW_CHECK(x.is_plain() && dy.is_plain(), "depthwise_weight_grad: expected plain inputs");
  const Dims xd = x.dims(), yd = dy.dims();
  const int64_t n = xd[0], c = xd[1], h = xd[2], w = xd[3], oh = yd[2], ow = yd[3], k = g.kernel;
  Tensor dw = Tensor::zeros({c, 1, k, k});
  const float* xp = x.data<float>();
  const float* gp = dy.data<float>();
  float* out = dw.data<float>();
#pragma omp parallel for
  for (int64_t ch = 0; ch < c; ++ch) {
    std::vector<double> acc(static_cast<size_t>(k * k), 0.0);
    for (int64_t b = 0; b < n; ++b) {
      const float* xc = xp + (b * c + ch) * h * w;
      const float* gc = gp + (b * c + ch) * oh * ow;
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          const double gv = gc[i * ow + j];
          for (int64_t p = 0; p < k; ++p) {
            const int64_t ii = i * g.stride - g.padding + p * g.dilation;
            if (ii < 0 || ii >= h) continue;
            for (int64_t q = 0; q < k; ++q) {
              const int64_t jj = j * g.stride - g.padding + q * g.dilation;
              if (jj >= 0 && jj < w) acc[static_cast<size_t>(p * k + q)] += gv * xc[ii * w + jj];
            }
          }
        }
    }
    for (int64_t t = 0; t < k * k; ++t) out[ch * k * k + t] = static_cast<float>(acc[static_cast<size_t>(t)]);
  }
  return dw;
}

}  // namespace minnow
