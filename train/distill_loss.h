// The distillation loss: soft = T^2 KL(softmax(z_t / T) || softmax(z_s / T)) (batch mean),
// hard = CE(z_s, y) with label smoothing, and
// total = alpha soft + (1 - alpha) hard + beta sum_pairs feature_i.
// Gradients reach the student's logits and features only; the teacher's carry none.
#pragma once

#include <cstdint>
#include <vector>

#include "core/var.h"

namespace minnow {

struct DistillLossOptions {
  double temperature = 4.0;
  double alpha = 0.9;
  double beta = 1.0;
  double label_smoothing = 0.0;
};

struct DistillLoss {
  Var total;  // (1), the loss to backpropagate
  double soft = 0, hard = 0, feature = 0;  // the unweighted terms; feature summed over the pairs
};

// student_logits, teacher_logits: (N, K); labels: N; feature_losses: one-element losses
// (the hint MSEs), possibly none.
DistillLoss distillation_loss(const Var& student_logits, const Var& teacher_logits,
                              const std::vector<int32_t>& labels, const DistillLossOptions& options,
                              const std::vector<Var>& feature_losses = {});

}  // namespace minnow
