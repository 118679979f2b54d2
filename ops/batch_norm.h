// Batch normalisation over (N, H, W) per channel, in training mode (batch
// statistics, running buffers updated as PyTorch does) and eval mode (running
// statistics, still differentiable), with an optional fused ReLU. Runs on
// oneDNN's batch_normalization primitives in the input's own layout.
#pragma once

#include <functional>
#include <span>
#include <string>

#include "core/var.h"

namespace minnow {

struct BatchNormOptions {
  float eps = 1e-5f;
  float momentum = 0.1f;   // running = (1 - momentum) running + momentum batch_stat, as PyTorch
  bool fuse_relu = false;  // y = relu(bn(x)) in one primitive (oneDNN fuse_norm_relu, keeps a workspace)
  // Synchronised statistics for data-parallel training: sums values in place over every
  // replica of the job (each replica calls it in the same order). Set, training mode
  // normalises with the mean and variance of the whole global batch, and backward
  // differentiates through them; unset, statistics are this replica's own.
  std::function<void(std::span<double> values)> replica_sum{};
};

// x: (N, C, H, W) in any layout; gamma, beta: (C), or both undefined for no affine
// part. running_mean, running_var: plain (C) buffers (may be undefined in training).
// training: normalise with batch statistics and update the running buffers in place
//   (running_var gets the UNBIASED batch variance, N*H*W/(N*H*W-1) times the biased one, like PyTorch);
// eval: normalise with the running buffers (and then they are read-only).
// Returns y in x's layout.
Var batch_norm(const Var& x, const Var& gamma, const Var& beta, const Tensor& running_mean,
               const Tensor& running_var, bool training, const BatchNormOptions& options = {});

// running = (1 - momentum) running + momentum batch for the first C values of the batch's
// mean and biased var, the variance unbiased by m / (m - 1) (m values per channel), as
// PyTorch does; running_mean and running_var are plain f32 (C).
void update_running_statistics(const Tensor& running_mean, const Tensor& running_var, const Tensor& mean,
                               const Tensor& var, double m, float momentum);

// The oneDNN implementations a recorded batch_norm on an input of layout x_md runs, and
// the layout it runs them on (x_md, or nChw16c where x_md has only the reference kernel).
struct BatchNormImpl {
  std::string forward, backward;
  dnnl::memory::desc src;
};
BatchNormImpl batch_norm_impl(const dnnl::memory::desc& x_md, bool training, const BatchNormOptions& options = {});

}  // namespace minnow
