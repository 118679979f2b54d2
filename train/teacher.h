// The distillation teacher: any zoo model built from config.distill.teacher and its
// weights file, kept in eval mode and run under NoGrad, so neither its weights nor its
// BN statistics ever change. It sees the student's batch, resized bilinearly when
// distill.teacher.resolution is set and differs from the batch's size.
#pragma once

#include <memory>

#include "models/module.h"
#include "train/config.h"

namespace minnow {

// The teacher's model section: what its weights file records (a minnow export or
// checkpoint; a plain state dict records nothing and takes the student's classes,
// channels and stem), with distill.teacher's model, width and resolution. Errors name
// distill.teacher.* when the file holds another model or other classes or channels.
ModelConfig teacher_model_config(const Config& config);

class Teacher {
 public:
  explicit Teacher(const Config& config);

  // images: (N, C, H, W), the student's batch. Returns the logits (N, K), recording nothing.
  Var logits(const Tensor& images);

  Module& model() { return *model_; }
  const ModelConfig& model_config() const { return model_config_; }

 private:
  ModelConfig model_config_;
  int resolution_ = 0;  // input side; 0 = the batch's own
  std::shared_ptr<Module> model_;
};

}  // namespace minnow
