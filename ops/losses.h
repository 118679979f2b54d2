// Losses and log_softmax: small exact loops with double accumulation on (N, K)
// logits in plain layout (mse_loss: any equal dims and layouts). Each loss returns
// a one-element Var of dims {1}.
#pragma once

#include <cstdint>
#include <vector>

#include "core/var.h"

namespace minnow {

// (N, K) -> (N, K): y = z - max(z) - log sum_k exp(z_k - max(z)), row by row.
Var log_softmax(const Var& logits);

struct CrossEntropyOptions {
  float label_smoothing = 0.0f;
};

// Mean over the batch of -sum_k q_k log softmax(z)_k with q = (1 - eps) onehot(y) + eps / K,
// as torch.nn.functional.cross_entropy(z, y, label_smoothing=eps). labels: N entries in [0, K).
Var cross_entropy(const Var& logits, const std::vector<int32_t>& labels, const CrossEntropyOptions& options = {});

// T^2 KL(softmax(teacher / T) || softmax(student / T)) averaged over the batch, i.e.
// T * T * F.kl_div(F.log_softmax(s / T), F.softmax(t / T), reduction='batchmean').
// Gradients flow into the student, and into the teacher when it requires one.
Var kl_div_with_temperature(const Var& student_logits, const Var& teacher_logits, float temperature);

// Mean of (a - b)^2 over all elements; a and b have equal dims; both differentiable.
Var mse_loss(const Var& a, const Var& b);

// sum_i weights[i] losses[i] over one-element losses (a mixed training loss); each
// loss gets weights[i] times the upstream gradient.
Var weighted_sum(const std::vector<Var>& losses, const std::vector<double>& weights);

}  // namespace minnow
