// Distillation setup (layer lookup, shape probe, adapters) and the per-step loss.
#include "train/distillation.h"

#include "core/error.h"
#include "core/grad_mode.h"
#include "ops/losses.h"
#include "train/distill_loss.h"

namespace minnow {
namespace {

std::vector<Module*> find_layers(Module& model, const std::string& role, const std::string& model_name,
                                 const std::vector<FeaturePair>& pairs, bool teacher_side) {
  std::vector<Module*> found;
  for (const FeaturePair& p : pairs) {
    const std::string& layer = teacher_side ? p.teacher : p.student;
    Module* m = find_module(model, layer);
    MINNOW_CHECK(m != nullptr, "config: distill.features: '", p.text, "': the ", role, " (", model_name,
                 ") has no layer '", layer, "'; its top-level layers are ", top_level_names(model));
    found.push_back(m);
  }
  return found;
}

// The feature pair's dims must agree but for the channels (the adapter maps those).
void check_feature_dims(const FeaturePair& p, const Dims& teacher, const Dims& student) {
  MINNOW_CHECK(teacher.size() == 4 && student.size() == 4, "config: distill.features: '", p.text,
               "': expected (N, C, H, W) features, got teacher ", dims_str(teacher), " and student ",
               dims_str(student));
  MINNOW_CHECK(teacher[0] == student[0] && teacher[2] == student[2] && teacher[3] == student[3],
               "config: distill.features: '", p.text, "': teacher layer '", p.teacher, "' gives ", dims_str(teacher),
               " but student layer '", p.student, "' gives ", dims_str(student),
               "; the spatial sizes must match");
}

}  // namespace

Distillation::Distillation(const Config& config, Module& student)
    : config_(config), teacher_(config), pairs_(parse_feature_pairs(config.distill.features)) {
  if (pairs_.empty()) return;
  teacher_features_ = std::make_unique<FeatureCapture>(
      find_layers(teacher_.model(), "teacher", teacher_.model_config().name, pairs_, true));
  student_features_ = std::make_unique<FeatureCapture>(
      find_layers(student, "student", config.model.name, pairs_, false));

  const bool was_training = student.training();
  student.eval();
  {
    const NoGrad no_grad;
    const Tensor probe = Tensor::zeros({1, config.model.in_channels, config.model.resolution,
                                        config.model.resolution});  // (1, C, R, R)
    student.forward(Var(probe));
    teacher_.logits(probe);
  }
  student.train(was_training);
  std::vector<int64_t> in, out;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    const Dims t = teacher_features_->output(i).dims(), s = student_features_->output(i).dims();
    check_feature_dims(pairs_[i], t, s);
    in.push_back(s[1]);
    out.push_back(t[1]);
  }
  adapters_ = make_adapters(in, out);
  student.add_module(kAdaptersName, adapters_);
}

Var Distillation::loss(const Var& logits, const data::Batch& batch, LossTerms& terms) {
  const Var teacher_logits = teacher_.logits(batch.images);  // (N, K)
  std::vector<Var> feature_losses;
  for (size_t i = 0; i < pairs_.size(); ++i) {
    const Var& t = teacher_features_->output(i);
    const Var s = (*adapters_)[i].forward(student_features_->output(i));
    check_feature_dims(pairs_[i], t.dims(), s.dims());
    feature_losses.push_back(mse_loss(s, t));
  }
  const DistillConfig& d = config_.distill;
  const DistillLoss l = distillation_loss(
      logits, teacher_logits, batch.labels,
      {.temperature = d.temperature, .alpha = d.alpha, .beta = d.beta, .label_smoothing = config_.label_smoothing},
      feature_losses);
  terms.emplace_back("loss_soft", l.soft);
  terms.emplace_back("loss_hard", l.hard);
  if (!pairs_.empty()) terms.emplace_back("loss_feature", l.feature);
  return l.total;
}

DistillationHook::DistillationHook(Config config) : config_(std::move(config)) {
  MINNOW_CHECK(config_.distill.enabled, "DistillationHook: distill.enabled is false");
}

void DistillationHook::on_model(Module& student) {
  distillation_ = std::make_unique<Distillation>(config_, student);
}

Var DistillationHook::loss(const Var& logits, const data::Batch& batch, LossTerms& terms) {
  MINNOW_CHECK(distillation_ != nullptr, "DistillationHook: loss before on_model");
  return distillation_->loss(logits, batch, terms);
}

}  // namespace minnow
