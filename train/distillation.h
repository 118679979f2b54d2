// Knowledge distillation as a training hook: the teacher, the feature pairs' captures
// on both models and the student's adapters (attached as its child kAdaptersName, so
// they train and are checkpointed with it), and the loss of train/distill_loss.h with
// its terms for the metrics (loss_soft, loss_hard, loss_feature).
#pragma once

#include <memory>
#include <vector>

#include "train/feature_adapters.h"
#include "train/feature_capture.h"
#include "train/teacher.h"
#include "train/train_hook.h"

namespace minnow {

class Distillation {
 public:
  // Builds the teacher and, for config.distill.features, checks each pair on both models
  // (a zero batch through each, in eval mode) and adds the adapters to student. Errors name
  // the distill.* key and the value at fault.
  Distillation(const Config& config, Module& student);

  // logits (N, K) are the student's forward of batch.images, which the teacher now sees too.
  Var loss(const Var& logits, const data::Batch& batch, LossTerms& terms);

  Teacher& teacher() { return teacher_; }

 private:
  Config config_;
  Teacher teacher_;
  std::vector<FeaturePair> pairs_;
  std::unique_ptr<FeatureCapture> teacher_features_, student_features_;
  std::shared_ptr<Sequential> adapters_;
};

// The Trainer's hook for config.distill (which must be enabled): builds the Distillation
// on the student once it exists, and gives its loss.
class DistillationHook : public TrainHook {
 public:
  explicit DistillationHook(Config config);

  void on_model(Module& student) override;
  Var loss(const Var& logits, const data::Batch& batch, LossTerms& terms) override;

 private:
  Config config_;
  std::unique_ptr<Distillation> distillation_;
};

}  // namespace minnow
