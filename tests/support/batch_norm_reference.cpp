#include "tests/support/batch_norm_reference.h"

#include <algorithm>
#include <cmath>

namespace minnow::test_support {

BatchNormReference batch_norm_reference(const Tensor& x_tensor, const Tensor& gamma_tensor,
                                        const Tensor& beta_tensor, const Tensor& running_mean,
                                        const Tensor& running_var, const std::vector<float>& dy,
                                        const BatchNormReferenceOptions& o) {
  const Dims d = x_tensor.dims();
  const int64_t n = d[0], channels = d[1], hw = d[2] * d[3];
  const auto x = x_tensor.to_plain();
  const auto cn = static_cast<size_t>(channels);
  const std::vector<float> rm = running_mean.defined() ? running_mean.to_plain() : std::vector<float>{};
  const std::vector<float> rv = running_var.defined() ? running_var.to_plain() : std::vector<float>{};
  const std::vector<float> gamma = o.affine ? gamma_tensor.to_plain() : std::vector<float>(cn, 1.0f);
  const std::vector<float> beta = o.affine ? beta_tensor.to_plain() : std::vector<float>(cn, 0.0f);
  const double m = static_cast<double>(n * hw);
  BatchNormReference r;
  r.y.assign(x.size(), 0.0);
  r.dx.assign(x.size(), 0.0);
  r.dgamma.assign(cn, 0.0);
  r.dbeta.assign(cn, 0.0);
  r.running_mean.assign(rm.begin(), rm.end());
  r.running_var.assign(rv.begin(), rv.end());
  for (int64_t c = 0; c < channels; ++c) {
    const auto cs = static_cast<size_t>(c);
    std::vector<size_t> at;  // indices of channel c
    for (int64_t b = 0; b < n; ++b)
      for (int64_t k = 0; k < hw; ++k) at.push_back(static_cast<size_t>((b * channels + c) * hw + k));
    double mean = rm.empty() ? 0.0 : rm[cs], var = rv.empty() ? 0.0 : rv[cs];
    if (o.training) {
      mean = 0;
      for (size_t i : at) mean += x[i];
      mean /= m;
      var = 0;
      for (size_t i : at) var += (x[i] - mean) * (x[i] - mean);
      var /= m;
      if (!rm.empty()) {
        r.running_mean[cs] = (1 - o.momentum) * rm[cs] + o.momentum * mean;
        r.running_var[cs] = (1 - o.momentum) * rv[cs] + o.momentum * var * m / (m - 1);
      }
    }
    const double inv = 1 / std::sqrt(var + o.eps);
    std::vector<double> xhat, grad;
    for (size_t i : at) {
      xhat.push_back((x[i] - mean) * inv);
      const double v = gamma[cs] * xhat.back() + beta[cs];
      const bool passes = o.clip == BatchNormClip::none ? true
                          : o.clip == BatchNormClip::relu ? v > 0
                                                          : v > 0 && v < 6;
      r.y[i] = o.clip == BatchNormClip::none ? v
               : o.clip == BatchNormClip::relu ? std::max(v, 0.0)
                                               : std::min(std::max(v, 0.0), 6.0);
      grad.push_back(passes ? dy[i] : 0.0);
      r.dbeta[cs] += grad.back();
      r.dgamma[cs] += grad.back() * xhat.back();
    }
    for (size_t k = 0; k < at.size(); ++k)
      r.dx[at[k]] = o.training ? gamma[cs] * inv * (grad[k] - r.dbeta[cs] / m - xhat[k] * r.dgamma[cs] / m)
                               : gamma[cs] * inv * grad[k];
  }
  return r;
}

}  // namespace minnow::test_support
