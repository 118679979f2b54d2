// Training-mode batch norm and the ReLU6 after it as one op (MobileNet-v2's ConvBnAct):
//   y = min(max(gamma xhat + beta, 0), 6),  xhat = (x - mean) / sqrt(var + eps),
// with mean and var the batch's biased statistics. oneDNN 2.6 fuses only a ReLU into its
// batch norm; run apart, the pair reads and writes the map once more in each direction and
// keeps the ReLU6's output for backward. Here the forward reads x twice (statistics, then
// normalise and clip) and writes y; the backward rebuilds the clip's mask from x, reads x and
// dy twice and writes dx over dy when nothing else holds dy (core/gradient_buffer.h).
// Backward, with g = dy where 0 < gamma xhat + beta < 6 and 0 elsewhere (PyTorch's hardtanh
// backward on the batch norm's output), M = N H W:
//   dbeta = sum g,  dgamma = sum g xhat  over (N, H, W);
//   dx = gamma / sqrt(var + eps) (g - dbeta / M - xhat dgamma / M).
// It runs on f32 nChw16c; an input in another layout is moved there, y stays nChw16c and dx
// goes back to x's layout.
#pragma once

#include "core/var.h"

namespace minnow {

struct BatchNormRelu6Options {
  float eps = 1e-5f;
  float momentum = 0.1f;  // running = (1 - momentum) running + momentum batch_stat, as PyTorch
};

// x: f32 (N, C, H, W), more than one value per channel; gamma, beta: (C). running_mean,
// running_var: plain f32 (C), updated in place as batch_norm does in training (the variance
// unbiased), or both undefined (a checkpoint's recomputation).
Var batch_norm_relu6(const Var& x, const Var& gamma, const Var& beta, const Tensor& running_mean,
                     const Tensor& running_var, const BatchNormRelu6Options& options = {});

}  // namespace minnow
