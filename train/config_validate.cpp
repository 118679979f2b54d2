// Validation of a bound Config, the one place it happens: every key's own rule from the
// schema (config_schema.h), then the checks that relate keys to each other. Each failure
// is one line: "<file:line or --set ...>: <key>: expected <what>, got <value>".
// Types and unknown keys are caught earlier, while binding (config_load.cpp).
#include <algorithm>

#include "core/compute_type.h"
#include "core/error.h"
#include "train/config_schema.h"

namespace minnow {
namespace {

using config_detail::ValueTraits;

class Checker {
 public:
  explicit Checker(const KeyOrigin& origin) : origin_(origin) {}

  template <class T>
  void operator()(bool ok, std::string_view key, const T& value, std::string_view expected) const {
    MINNOW_CHECK(ok, origin_(key), ": ", key, ": expected ", expected, ", got ", ValueTraits<T>::format(value));
  }

  // A key's own rule; a list rule names the first entry that breaks it.
  template <class T, class Rule>
  void rule(std::string_view key, const T& value, const Rule& rule) const {
    if constexpr (requires { rule.first_bad(value); }) {
      if (const auto bad = rule.first_bad(value)) (*this)(false, key, value[*bad], rule.expected);
    } else {
      (*this)(rule.ok(value), key, value, rule.expected);
    }
  }

 private:
  const KeyOrigin& origin_;
};

// What no single key's rule can say: keys that depend on other keys.
void check_relations(const Config& c, const Checker& check) {
  const auto& t = c.data.transforms;
  const size_t channels = static_cast<size_t>(c.model.in_channels);
  check(t.mean.empty() || t.mean.size() == 1 || t.mean.size() == channels, "data.transforms.mean", t.mean,
        "no values, one, or one per input channel (" + std::to_string(c.model.in_channels) + ")");
  check(t.std.size() == t.mean.size(), "data.transforms.std", t.std,
        "as many values as data.transforms.mean (" + std::to_string(t.mean.size()) + ")");
  check(c.data.test.empty() || c.data.val_split == 0, "data.val_split", c.data.val_split,
        "0 when data.test is set (test on one or the other)");
  const auto& names = c.data.class_names;
  check(names.empty() || c.data.format != DataFormat::folder, "data.class_names", names,
        "no names for the folder format (its class folders name the classes)");
  check(names.empty() || names.size() == static_cast<size_t>(c.model.num_classes), "data.class_names", names,
        "one name per class (model.num_classes is " + std::to_string(c.model.num_classes) + ")");

  const auto& o = c.optimizer;
  check(!o.nesterov || o.momentum > 0, "optimizer.nesterov", o.nesterov, "false when optimizer.momentum is 0");

  const auto& s = c.schedule;
  check(s.warmup_epochs < c.epochs, "schedule.warmup_epochs", s.warmup_epochs,
        "fewer than epochs (" + std::to_string(c.epochs) + ")");
  check(s.warmup_steps == 0 || s.warmup_epochs == 0, "schedule.warmup_steps", s.warmup_steps,
        "0 when schedule.warmup_epochs is set (give one of the two)");
  check(s.name != ScheduleKind::multistep || !s.milestones.empty(), "schedule.milestones", s.milestones,
        "at least one epoch for the multistep schedule");
  check(s.min_lr >= 0 && s.min_lr <= o.lr, "schedule.min_lr", s.min_lr,
        "a value in [0, optimizer.lr] (optimizer.lr is " + config_detail::format_double(o.lr) + ")");

  check(c.precision != Precision::bf16 || !c.qat.enabled, "precision", c.precision,
        "f32 when qat.enabled is true (QAT's fake quantization trains in f32)");
  check(c.precision != Precision::bf16 || !c.binarize.activations, "precision", c.precision,
        "f32 when binarize.activations is true (the activations' sign runs in f32)");
  check(!c.binarize.enabled || !c.qat.enabled, "binarize.enabled", c.binarize.enabled,
        "false when qat.enabled is true (QAT would fake-quantize the binarized weights, and its int8 model would be "
        "built from the float latent ones: train one or the other)");
  check(c.precision != Precision::bf16 || cpu_has_native_bf16(), "precision", c.precision,
        std::string("f32 on this CPU (bf16 needs AVX512-BF16 or AMX; oneDNN finds ") + cpu_isa_name() + ")");

  check(!c.share.enabled || !c.qat.enabled, "share.enabled", c.share.enabled,
        "false when qat.enabled is true (QAT folds BN into the conv weights per channel and fake-quantizes "
        "them, so the trained weights would leave the codebook)");
  check(!c.share.enabled || c.share.start_epoch < c.epochs, "share.start_epoch", c.share.start_epoch,
        "fewer than epochs (" + std::to_string(c.epochs) + ") when share.enabled is true");

  const DistillConfig& k = c.distill;
  check(!k.enabled || !k.teacher.model.empty(), "distill.teacher.model", k.teacher.model,
        "a zoo model name when distill.enabled is true");
  check(!k.enabled || !k.teacher.weights.empty(), "distill.teacher.weights", k.teacher.weights,
        "a weights file when distill.enabled is true");

  const PruneConfig& p = c.prune;
  check(!p.enabled || p.end_epoch > p.start_epoch, "prune.end_epoch", p.end_epoch,
        "> prune.start_epoch (" + std::to_string(p.start_epoch) + ")");
  check(!p.enabled || p.end_epoch <= c.epochs, "prune.end_epoch", p.end_epoch,
        "<= epochs (" + std::to_string(c.epochs) + ")");
  check(!p.enabled || p.initial_sparsity <= p.target_sparsity, "prune.initial_sparsity", p.initial_sparsity,
        "<= prune.target_sparsity (" + config_detail::format_double(p.target_sparsity) + ")");
}

}  // namespace

void validate_config(const Config& config, const KeyOrigin& origin) {
  const Checker check(origin);
  config_detail::visit_config(config, [&](std::string_view key, const auto& member, std::string_view,
                                          const auto& rule) { check.rule(key, member, rule); });
  check_relations(config, check);
}

void validate_config(const Config& config, const std::string& source_name) {
  validate_config(config, [&source_name](std::string_view) { return source_name; });
}

}  // namespace minnow
