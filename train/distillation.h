// Knowledge distillation wired into the Trainer through TrainHooks::loss: the teacher,
// the feature pairs' captures on both models and the student's adapters (attached as its
// child kAdaptersName), and the loss of train/distill_loss.h with its terms for the
// metrics (loss_soft, loss_hard, loss_feature).
#pragma once

#include <memory>
#include <vector>

#include "train/feature_adapters.h"
#include "train/feature_capture.h"
#include "train/teacher.h"
#include "train/trainer.h"

namespace minnow {

class Distillation {
 public:
  // Builds the teacher and, for config.distill.features, checks each pair on both models
  // (a zero batch through each, in eval mode) and adds the adapters to student. Errors name
  // the distill.* key and the value at fault.
  Distillation(const Config& config, Module& student);

  // TrainHooks::loss: logits (N, K) are the student's forward of batch.images, which
  // the teacher now sees too.
  Var loss(const Var& logits, const data::Batch& batch, LossTerms& terms);

  Teacher& teacher() { return teacher_; }

 private:
  Config config_;
  Teacher teacher_;
  std::vector<FeaturePair> pairs_;
  std::unique_ptr<FeatureCapture> teacher_features_, student_features_;
  std::shared_ptr<Sequential> adapters_;
};

// The Trainer's hook for config.distill (which must be enabled).
decltype(TrainHooks::loss) make_distillation_loss(const Config& config, Module& student);

}  // namespace minnow
