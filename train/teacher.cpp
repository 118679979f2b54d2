// Teacher construction (spec from the file's records, strict weight loading, eval mode)
// and its inference step.
#include "train/teacher.h"

#include <cmath>

#include "core/error.h"
#include "core/grad_mode.h"
#include "ops/resize.h"
#include "train/model_setup.h"
#include "train/weights_file.h"

namespace minnow {

ModelConfig teacher_model_config(const Config& c) {
  const TeacherConfig& t = c.distill.teacher;
  const std::string source = "config: distill.teacher.weights";
  const std::string where = source + " '" + t.weights + "'";
  const std::optional<ModelConfig> recorded = recorded_model_config(t.weights, source);
  ModelConfig m = recorded.value_or(c.model);
  if (recorded) {
    MINNOW_CHECK(m.name == t.model, where, " holds ", printable(m.name), " weights, but distill.teacher.model is '", t.model,
                 "'");
    MINNOW_CHECK(std::abs(m.width - t.width) <= 1e-6 * t.width, where, " holds a ", printable(m.name), " of width ", m.width,
                 ", but distill.teacher.width is ", t.width);
  }
  MINNOW_CHECK(m.num_classes == c.model.num_classes, where, " holds a ", t.model, " with ", m.num_classes,
               " classes, but the student has model.num_classes ", c.model.num_classes);
  MINNOW_CHECK(m.in_channels == c.model.in_channels, where, " holds a ", t.model, " for ", m.in_channels,
               " input channels, but the student has model.in_channels ", c.model.in_channels);
  m.name = t.model;
  m.width = t.width;
  m.resolution = t.resolution > 0 ? t.resolution : c.model.resolution;
  m.dropout = 0;
  m.init_weights = "";
  return m;
}

Teacher::Teacher(const Config& config)
    : model_config_(teacher_model_config(config)), resolution_(config.distill.teacher.resolution) {
  model_ = create_model(model_spec(model_config_, static_cast<uint64_t>(config.seed)));
  load_weights(*model_, config.distill.teacher.weights, model_config_.name, "config: distill.teacher.weights");
  model_->eval();
}

Var Teacher::logits(const Tensor& images) {
  const NoGrad no_grad;
  model_->eval();
  const Tensor x = resolution_ > 0 ? resize_bilinear(images, resolution_, resolution_) : images;  // (N, C, R, R)
  return model_->forward(Var(x));
}

}  // namespace minnow
