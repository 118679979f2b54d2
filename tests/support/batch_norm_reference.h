// Batch norm in double precision, element by element, for the batch-norm op tests: forward,
// backward and the running statistics, with the activation after it (none, a ReLU, a ReLU6).
#pragma once

#include <vector>

#include "core/tensor.h"

namespace minnow::test_support {

enum class BatchNormClip { none, relu, relu6 };

struct BatchNormReferenceOptions {
  bool training = true;
  bool affine = true;  // false: gamma 1, beta 0 (gamma and beta undefined)
  BatchNormClip clip = BatchNormClip::none;
  double eps = 1e-5;
  double momentum = 0.1;
};

struct BatchNormReference {
  std::vector<double> y, dx, dgamma, dbeta, running_mean, running_var;  // plain (NCHW) order
};

// x (N, C, H, W), gamma, beta, running_mean, running_var (C), dy plain like x:
//   mean, var: the batch's (biased) in training, the running buffers in eval;
//   xhat = (x - mean) / sqrt(var + eps), v = gamma xhat + beta, y = clip(v);
//   g = dy where the clip passes v (relu: v > 0; relu6: 0 < v < 6);
//   dbeta = sum g, dgamma = sum g xhat over (N, H, W);
//   dx = gamma / sqrt(var + eps) (g - dbeta / M - xhat dgamma / M) in training,
//        gamma g / sqrt(var + eps) in eval;
// training moves the running statistics by momentum, the variance unbiased by M / (M - 1).
BatchNormReference batch_norm_reference(const Tensor& x, const Tensor& gamma, const Tensor& beta,
                                        const Tensor& running_mean, const Tensor& running_var,
                                        const std::vector<float>& dy, const BatchNormReferenceOptions& options);

}  // namespace minnow::test_support
