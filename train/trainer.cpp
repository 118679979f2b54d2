// The training loop. Every batch is a pure function of (seed, epoch, step) and
// every random state the model holds is checkpointed, so a resumed run at a fixed
// thread count reproduces the uninterrupted one bit for bit.
#include "train/trainer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "core/error.h"
#include "ops/losses.h"
#include "train/data_setup.h"
#include "train/evaluate.h"
#include "train/feature_adapters.h"
#include "train/grad_clip.h"
#include "train/metrics.h"
#include "train/model_setup.h"
#include "train/progress.h"
#include "train/schedule.h"

namespace minnow {

struct Trainer::Log {
  MetricsLog metrics;
  explicit Log(const std::string& path) : metrics(path) {}
};

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

std::string resume_path(const Config& c, const std::string& last) {
  if (c.resume.empty()) return "";
  if (c.resume == "auto") return std::filesystem::exists(last) ? last : "";
  MINNOW_CHECK(std::filesystem::exists(c.resume), "config: resume: checkpoint '", c.resume, "' does not exist");
  return c.resume;
}

// The model's parameter count as exported: without distillation adapters.
int64_t exported_parameters(const Module& model) {
  int64_t count = 0;
  for (const auto& p : model.named_parameters())
    if (!is_adapter_tensor(p.name)) count += product(p.shape);
  return count;
}

}  // namespace

Trainer::Trainer(Config config, TrainHooks hooks) : config_(std::move(config)), hooks_(std::move(hooks)) {
  if (config_.threads > 0) set_num_threads(config_.threads);
  std::filesystem::create_directories(config_.output);
  model_ = build_model(config_);
  for (const auto& hook : hooks_) hook->on_model(*model_);
  data_ = data::make_data(to_data_config(config_));
  MINNOW_CHECK(data_.train->num_classes() <= config_.model.num_classes, "config: model.num_classes is ",
               config_.model.num_classes, " but the training data has ", data_.train->num_classes(), " classes");
  NamedParams params;
  for (const auto& p : model_->named_parameters()) params.emplace_back(p.name, p.var);
  optimizer_ = make_optimizer(config_.optimizer, params);

  if (const std::string from = resume_path(config_, checkpoint_path("last")); !from.empty()) {
    position_ = load_checkpoint(from, *model_, optimizer_.get()).position;
    spdlog::info("resuming from {} at epoch {} step {}", from, position_.epoch, position_.step);
  }
  write_text_file(config_.output + "/config.yaml", to_yaml(config_));
  log_ = std::make_unique<Log>(config_.output + "/metrics.jsonl");
}

Trainer::~Trainer() = default;

std::string Trainer::checkpoint_path(const std::string& which) const {
  return config_.output + "/" + which + ".safetensors";
}

void Trainer::save(const std::string& which) {
  save_checkpoint(checkpoint_path(which), *model_, *optimizer_, position_, config_, write_options_);
}

void Trainer::log_step(nlohmann::json record, const LossTerms& terms) {
  record["type"] = "step";
  record["step"] = position_.step;
  record["global_step"] = position_.global_step;
  for (const auto& [name, value] : terms) record[name] = value;
  log_->metrics.write(record);
}

// The first hook's loss, else cross-entropy with the config's label smoothing.
Var Trainer::training_loss(const Var& logits, const data::Batch& batch, LossTerms& terms) {
  for (const auto& hook : hooks_) {
    if (Var loss = hook->loss(logits, batch, terms); loss.defined()) return loss;
  }
  return cross_entropy(logits, batch.labels, {.label_smoothing = static_cast<float>(config_.label_smoothing)});
}

void Trainer::train_epoch(int64_t epoch, int64_t start_step) {
  auto& loader = *data_.train_loader;
  const int64_t steps = loader.steps_per_epoch();
  model_->train();
  for (const auto& hook : hooks_) hook->on_epoch_start(epoch);
  loader.begin_epoch(epoch, start_step);
  Progress progress("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(config_.epochs), steps,
                    config_.log_every_steps);
  Accuracy acc;
  const auto t0 = Clock::now();
  int64_t epoch_images = 0;
  while (auto batch = loader.next()) {
    const double lr = scheduled_lr(config_, steps, position_.global_step);
    const Var logits = model_->forward(Var(batch->images));
    LossTerms terms;
    const Var loss = training_loss(logits, *batch, terms);
    const double loss_value = loss.data().to_plain()[0];
    MINNOW_CHECK(std::isfinite(loss_value), "training: the loss became ", loss_value, " at epoch ", epoch + 1,
                 " step ", batch->step + 1, " (global step ", position_.global_step + 1,
                 "); stopped, and the last checkpoint ", checkpoint_path("last"), " is left as it was");
    optimizer_->zero_grad();
    loss.backward();
    for (const auto& hook : hooks_) hook->after_backward(optimizer_->params());
    if (config_.optimizer.grad_clip_norm > 0) clip_grad_norm(optimizer_->params(), config_.optimizer.grad_clip_norm);
    optimizer_->step(lr);
    for (const auto& hook : hooks_) hook->after_step(optimizer_->params());

    ++position_.global_step;
    position_.step = batch->step + 1;
    epoch_images += batch->size();
    acc.add(logits.data().to_plain(), batch->labels, loss_value);
    const double rate = static_cast<double>(epoch_images) / seconds_since(t0);
    progress.update(batch->step, acc.loss(), acc.top1_percent(), rate);
    if (position_.global_step % config_.log_every_steps == 0) {
      log_step({{"epoch", epoch + 1}, {"lr", lr}, {"loss", loss_value}, {"train_top1", acc.top1_percent()},
                {"images_per_second", rate}},
               terms);
    }
    if (config_.checkpoint.every_steps > 0 && position_.global_step % config_.checkpoint.every_steps == 0) save("last");
    stopped_ = std::any_of(hooks_.begin(), hooks_.end(), [&](const auto& h) { return h->should_stop(position_); });
    if (stopped_) break;
  }
  progress.finish();
  images_seen_ += epoch_images;
  log_->metrics.write({{"type", "train_epoch"}, {"epoch", epoch + 1}, {"loss", acc.loss()},
                       {"top1", acc.top1_percent()}, {"top5", acc.top5_percent()},
                       {"seconds", seconds_since(t0)}, {"skipped_images", data_.skipped_images()}});
}

TrainSummary Trainer::run() {
  TrainSummary summary;
  EvalResult last_eval;
  const double seconds_before = position_.train_seconds;
  const auto t0 = Clock::now();
  double eval_seconds = 0;
  while (position_.epoch < config_.epochs) {
    const int64_t epoch = position_.epoch;
    train_epoch(epoch, position_.step);
    if (stopped_ && position_.step < data_.train_loader->steps_per_epoch()) return summary;  // stopped mid-epoch
    position_.epoch = epoch + 1;
    position_.step = 0;

    const auto e0 = Clock::now();
    if (data_.val_loader) {
      last_eval = evaluate(*model_, *data_.val_loader);
      spdlog::info("epoch {}/{}: test loss {:.4f} top-1 {:.2f}% top-5 {:.2f}%", epoch + 1, config_.epochs,
                   last_eval.loss, last_eval.top1, last_eval.top5);
      log_->metrics.write({{"type", "eval_epoch"}, {"epoch", epoch + 1}, {"loss", last_eval.loss},
                           {"top1", last_eval.top1}, {"top5", last_eval.top5}, {"images", last_eval.count}});
    }
    eval_seconds += seconds_since(e0);
    position_.train_seconds = seconds_before + seconds_since(t0) - eval_seconds;
    if (data_.val_loader && last_eval.top1 > position_.best_top1) {
      position_.best_top1 = last_eval.top1;
      if (config_.checkpoint.keep_best) save("best");
    }
    const bool due = config_.checkpoint.every_epochs > 0 && (epoch + 1) % config_.checkpoint.every_epochs == 0;
    if (due || position_.epoch == config_.epochs) save("last");
    if (stopped_) return summary;  // stopped at the epoch's end, after its checkpoints
  }
  if (!data_.val_loader) spdlog::warn("no test or validation data: summary.json holds no accuracy");
  summary.test_top1 = last_eval.top1;
  summary.test_top5 = last_eval.top5;
  summary.test_loss = last_eval.loss;
  summary.best_top1 = std::max(0.0, position_.best_top1);
  summary.train_seconds = position_.train_seconds;
  summary.epochs = config_.epochs;
  summary.images = images_seen_;
  summary.images_per_second =
      position_.train_seconds > 0 ? static_cast<double>(images_seen_) / (seconds_since(t0) - eval_seconds) : 0.0;

  export_weights(config_.output + "/model.safetensors", *model_, config_.model);
  const nlohmann::json out = {{"model", config_.model.name},     {"test_top1", summary.test_top1},
                              {"test_top5", summary.test_top5},  {"test_loss", summary.test_loss},
                              {"best_top1", summary.best_top1},  {"train_seconds", summary.train_seconds},
                              {"epochs", summary.epochs},        {"images_per_second", summary.images_per_second},
                              {"params", exported_parameters(*model_)}};
  write_text_file(config_.output + "/summary.json", out.dump(2) + "\n");
  return summary;
}

}  // namespace minnow
