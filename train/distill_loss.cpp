// distillation_loss: the two logit terms from ops/losses.h, mixed with the feature
// terms by weighted_sum. The teacher's logits are cut from the graph first, so the
// teacher gets no gradient even when its logits were recorded.
#include "train/distill_loss.h"

#include "ops/losses.h"

namespace minnow {

DistillLoss distillation_loss(const Var& student_logits, const Var& teacher_logits,
                              const std::vector<int32_t>& labels, const DistillLossOptions& o,
                              const std::vector<Var>& feature_losses) {
  const Var teacher(teacher_logits.data());  // a constant
  const Var soft = kl_div_with_temperature(student_logits, teacher, static_cast<float>(o.temperature));
  const Var hard =
      cross_entropy(student_logits, labels, {.label_smoothing = static_cast<float>(o.label_smoothing)});
  std::vector<Var> terms{soft, hard};
  std::vector<double> weights{o.alpha, 1.0 - o.alpha};
  DistillLoss out;
  for (const Var& f : feature_losses) {
    terms.push_back(f);
    weights.push_back(o.beta);
    out.feature += f.data().to_plain()[0];
  }
  out.total = weighted_sum(terms, weights);
  out.soft = soft.data().to_plain()[0];
  out.hard = hard.data().to_plain()[0];
  return out;
}

}  // namespace minnow
