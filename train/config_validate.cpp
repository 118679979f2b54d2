// Range and consistency checks on a bound Config. Each failure is one line:
// "<file:line or --set ...>: <key>: expected <range>, got <value>".
// Types and unknown keys are caught earlier, while binding (config_load.cpp).
#include <algorithm>

#include "core/error.h"
#include "data/transform.h"
#include "train/config_schema.h"

namespace minnow::config_detail {
namespace {

class Checker {
 public:
  explicit Checker(const std::function<std::string(std::string_view)>& origin) : origin_(origin) {}

  template <class T>
  void operator()(bool ok, std::string_view key, const T& value, std::string_view expected) const {
    MINNOW_CHECK(ok, origin_(key), ": ", key, ": expected ", expected, ", got ", ValueTraits<T>::format(value));
  }

  void positive(std::string_view key, double value) const { (*this)(value > 0, key, value, "> 0"); }
  void non_negative(std::string_view key, double value) const { (*this)(value >= 0, key, value, ">= 0"); }
  void fraction(std::string_view key, double value) const {
    (*this)(value >= 0 && value < 1, key, value, "a value in [0, 1)");
  }
  // An image side in pixels: low (0 = off, or 1) up to the largest side a transform makes.
  void side(std::string_view key, int value, int low) const {
    (*this)(value >= low && value <= data::kMaxTransformSide, key, value,
            std::to_string(low) + " to " + std::to_string(data::kMaxTransformSide));
  }
  template <class T>
  void at_least(std::string_view key, T value, T low) const {
    (*this)(value >= low, key, value, ">= " + std::to_string(low));
  }

 private:
  const std::function<std::string(std::string_view)>& origin_;
};

void check_model(const ModelConfig& m, const Checker& check) {
  check(!m.name.empty(), "model.name", m.name, "a zoo model name such as mobilenet_v2 (the key is required)");
  check.positive("model.width", m.width);
  check.side("model.resolution", m.resolution, 1);
  check.at_least("model.num_classes", m.num_classes, 1);
  check.at_least("model.in_channels", m.in_channels, 1);
  check(!m.dropout || (*m.dropout >= 0 && *m.dropout < 1), "model.dropout", m.dropout,
        "a value in [0, 1), or null for the model's own");
  check.at_least("model.groups", m.groups, 1);
}

void check_transforms(const TransformConfig& t, int in_channels, const Checker& check) {
  check.side("data.transforms.resize", t.resize, 0);
  check.side("data.transforms.crop", t.crop, 0);
  const auto& scale = t.random_resized_crop.scale;
  check(scale[0] > 0 && scale[0] <= scale[1] && scale[1] <= 1, "data.transforms.random_resized_crop.scale", scale,
        "[low, high] with 0 < low <= high <= 1");
  const auto& ratio = t.random_resized_crop.ratio;
  check(ratio[0] > 0 && ratio[0] <= ratio[1], "data.transforms.random_resized_crop.ratio", ratio,
        "[low, high] with 0 < low <= high");
  check.at_least("data.transforms.random_crop_padding", t.random_crop_padding, 0);
  const size_t channels = static_cast<size_t>(in_channels);
  check(t.mean.empty() || t.mean.size() == 1 || t.mean.size() == channels, "data.transforms.mean", t.mean,
        "no values, one, or one per input channel (" + std::to_string(in_channels) + ")");
  check(t.std.size() == t.mean.size(), "data.transforms.std", t.std,
        "as many values as data.transforms.mean (" + std::to_string(t.mean.size()) + ")");
  check(std::all_of(t.std.begin(), t.std.end(), [](double s) { return s > 0; }), "data.transforms.std", t.std,
        "values > 0");
  check.non_negative("data.transforms.color_jitter.brightness", t.color_jitter.brightness);
  check.non_negative("data.transforms.color_jitter.contrast", t.color_jitter.contrast);
  check.non_negative("data.transforms.color_jitter.saturation", t.color_jitter.saturation);
}

void check_data(const DataConfig& d, const Checker& check) {
  check(!d.train.empty(), "data.train", d.train, "at least one path (the key is required)");
  check.fraction("data.val_split", d.val_split);
  check.at_least("data.batch_size", d.batch_size, 1);
  check.at_least("data.workers", d.workers, 0);
  check.at_least("data.prefetch", d.prefetch, 1);
  check.at_least<int64_t>("data.max_pixels", d.max_pixels, 1);
  check(d.test.empty() || d.val_split == 0, "data.val_split", d.val_split,
        "0 when data.test is set (test on one or the other)");
}

void check_optimizer(const OptimizerConfig& o, const Checker& check) {
  check.positive("optimizer.lr", o.lr);
  check.fraction("optimizer.momentum", o.momentum);
  check(!o.nesterov || o.momentum > 0, "optimizer.nesterov", o.nesterov, "false when optimizer.momentum is 0");
  check.non_negative("optimizer.weight_decay", o.weight_decay);
  check(o.betas[0] >= 0 && o.betas[0] < 1 && o.betas[1] >= 0 && o.betas[1] < 1, "optimizer.betas", o.betas,
        "two values in [0, 1)");
  check.positive("optimizer.eps", o.eps);
  check.non_negative("optimizer.grad_clip_norm", o.grad_clip_norm);
}

void check_schedule(const ScheduleConfig& s, const Config& c, const Checker& check) {
  check.non_negative("schedule.warmup_epochs", s.warmup_epochs);
  check(s.warmup_epochs < c.epochs, "schedule.warmup_epochs", s.warmup_epochs,
        "fewer than epochs (" + std::to_string(c.epochs) + ")");
  check.at_least<int64_t>("schedule.warmup_steps", s.warmup_steps, 0);
  check(s.warmup_steps == 0 || s.warmup_epochs == 0, "schedule.warmup_steps", s.warmup_steps,
        "0 when schedule.warmup_epochs is set (give one of the two)");
  check(s.warmup_start_factor > 0 && s.warmup_start_factor <= 1, "schedule.warmup_start_factor",
        s.warmup_start_factor, "a value in (0, 1]");
  check.at_least("schedule.step_size", s.step_size, 1);
  check(std::adjacent_find(s.milestones.begin(), s.milestones.end(), std::greater_equal<>()) == s.milestones.end() &&
            (s.milestones.empty() || s.milestones.front() >= 1),
        "schedule.milestones", s.milestones, "strictly increasing epochs >= 1");
  check(s.name != ScheduleKind::multistep || !s.milestones.empty(), "schedule.milestones", s.milestones,
        "at least one epoch for the multistep schedule");
  check(s.gamma > 0 && s.gamma <= 1, "schedule.gamma", s.gamma, "a value in (0, 1]");
  check(s.min_lr >= 0 && s.min_lr <= c.optimizer.lr, "schedule.min_lr", s.min_lr,
        "a value in [0, optimizer.lr] (optimizer.lr is " + format_double(c.optimizer.lr) + ")");
  check.non_negative("schedule.max_lr", s.max_lr);
  check(s.pct_start > 0 && s.pct_start < 1, "schedule.pct_start", s.pct_start, "a value in (0, 1)");
  check.positive("schedule.div_factor", s.div_factor);
  check.positive("schedule.final_div_factor", s.final_div_factor);
}

void check_run(const Config& c, const Checker& check) {
  check.at_least("epochs", c.epochs, 1);
  check.fraction("label_smoothing", c.label_smoothing);
  check.at_least<int64_t>("seed", c.seed, 0);
  check.at_least("threads", c.threads, 0);
  check(!c.output.empty(), "output", c.output, "a folder path");
  check.at_least("checkpoint.every_epochs", c.checkpoint.every_epochs, 1);
  check.at_least<int64_t>("checkpoint.every_steps", c.checkpoint.every_steps, 0);
  check.at_least<int64_t>("log_every_steps", c.log_every_steps, 1);
}

void check_distill_and_qat(const Config& c, const Checker& check) {
  const DistillConfig& k = c.distill;
  check(!k.enabled || !k.teacher.model.empty(), "distill.teacher.model", k.teacher.model,
        "a zoo model name when distill.enabled is true");
  check(!k.enabled || !k.teacher.weights.empty(), "distill.teacher.weights", k.teacher.weights,
        "a weights file when distill.enabled is true");
  check.positive("distill.teacher.width", k.teacher.width);
  check.side("distill.teacher.resolution", k.teacher.resolution, 0);
  check.positive("distill.temperature", k.temperature);
  check(k.alpha >= 0 && k.alpha <= 1, "distill.alpha", k.alpha, "a value in [0, 1]");
  for (const std::string& pair : k.features) {
    const size_t colon = pair.find(':');
    check(colon != std::string::npos && colon > 0 && colon + 1 < pair.size() &&
              pair.find(':', colon + 1) == std::string::npos,
          "distill.features", pair, "entries \"teacher_layer:student_layer\"");
  }
  check.non_negative("distill.beta", k.beta);

  const QatConfig& q = c.qat;
  check(q.weight_bits >= 2 && q.weight_bits <= 8, "qat.weight_bits", q.weight_bits, "2 to 8");
  check(q.activation_bits >= 2 && q.activation_bits <= 8, "qat.activation_bits", q.activation_bits, "2 to 8");
  check.at_least("qat.freeze_bn_epoch", q.freeze_bn_epoch, -1);
  check.at_least("qat.freeze_observer_epoch", q.freeze_observer_epoch, -1);
  check(q.observer_momentum > 0 && q.observer_momentum <= 1, "qat.observer_momentum", q.observer_momentum,
        "a value in (0, 1]");
}

}  // namespace

void check_config(const Config& config, const std::function<std::string(std::string_view key)>& origin) {
  const Checker check(origin);
  check_model(config.model, check);
  check_data(config.data, check);
  check_transforms(config.data.transforms, config.model.in_channels, check);
  const auto& names = config.data.class_names;
  check(names.empty() || config.data.format != DataFormat::folder, "data.class_names", names,
        "no names for the folder format (its class folders name the classes)");
  check(names.empty() || names.size() == static_cast<size_t>(config.model.num_classes), "data.class_names", names,
        "one name per class (model.num_classes is " + std::to_string(config.model.num_classes) + ")");
  check_optimizer(config.optimizer, check);
  check_run(config, check);  // before the schedule, whose checks compare against epochs
  check_schedule(config.schedule, config, check);
  check_distill_and_qat(config, check);
}

}  // namespace minnow::config_detail
