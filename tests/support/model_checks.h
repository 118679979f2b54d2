// Whole-model behaviour checks shared by the model tests: eval-mode batch consistency
// (a batch's logits equal each sample's own) and a tiny overfit run (SGD with momentum on
// two fixed random batches until the cross-entropy falls to a fraction of its start).
#pragma once

#include <cstdint>

#include "models/module.h"

namespace minnow::test_support {

// Eval mode, no grad: logits of a random (N, C, H, W) batch against those of each sample
// run alone. Returns max |batch - single| / max |batch logit| (0 when identical).
double batch_consistency_error(Module& model, const Dims& input_dims, uint64_t seed = 0);

struct OverfitOptions {
  int64_t batches = 2;
  int64_t batch = 4;
  int64_t in_channels = 3;
  int64_t resolution = 32;
  int64_t num_classes = 10;
  float lr = 0.05f;
  float momentum = 0.9f;
  float clip_norm = 0;  // > 0: clip the global gradient L2 norm to this, as torch.nn.utils.clip_grad_norm_
  int max_steps = 60;   // SGD steps, alternating over the batches
  float target = 0.1f;  // stop once the mean loss over the batches is <= target * its start
  uint64_t seed = 0;
};
struct OverfitResult {
  float initial_loss = 0;  // mean train-mode cross-entropy over the batches before any step
  float final_loss = 0;    // the same mean after the last step (measured on that step's forwards)
  int steps = 0;
};
// Trains model in train mode with SGD with momentum (train/sgd.h), optionally clipping the
// global gradient norm first (train/grad_clip.h), one batch a step, alternating. The images
// are uniform in [-1, 1), the labels uniform over the classes.
OverfitResult overfit(Module& model, const OverfitOptions& options);

// Every BatchNorm2d's running statistics and affine parameters drawn away from their (0, 1)
// start (mean, beta in [-0.5, 0.5), var in [0.5, 2), gamma in [0.5, 1.5)), so that a test sees
// what the batch norms do in eval mode.
void randomise_batch_norms(Module& model, uint64_t seed);

}  // namespace minnow::test_support
