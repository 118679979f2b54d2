// The training loop. Every batch is a pure function of (seed, epoch, step, rank) and every
// random state is checkpointed, so a resumed run at fixed thread and rank counts reproduces the
// uninterrupted one bit for bit. With N ranks each step starts with a vote (agreement.h), and
// rank r backpropagates its loss times its share of the step's images times N, so the average
// of the ranks' gradients (the reducer's) is the gradient of the global batch's mean loss.
#include "train/trainer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/compute_type.h"
#include "core/engine.h"
#include "core/error.h"
#include "core/tape.h"
#include "ops/losses.h"
#include "train/distributed/agreement.h"
#include "train/distributed/replica_state.h"
#include "train/grad_clip.h"
#include "train/interrupt.h"
#include "train/metrics.h"
#include "train/model_setup.h"
#include "train/progress.h"
#include "train/report/write_report.h"
#include "train/schedule.h"

namespace minnow {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// The accuracy sums of every rank.
Accuracy summed(const dist::World& world, const Accuracy& mine) {
  if (!world.distributed()) return mine;
  double values[4] = {mine.loss_sum, static_cast<double>(mine.top1), static_cast<double>(mine.top5),
                      static_cast<double>(mine.count)};
  world.sum(values);
  return {.loss_sum = values[0],
          .top1 = static_cast<int64_t>(values[1]),
          .top5 = static_cast<int64_t>(values[2]),
          .count = static_cast<int64_t>(values[3])};
}

// The step's mean loss over every rank's images, from this rank's mean over its own.
double global_mean(const dist::World& world, double mean, int64_t images, int64_t all_images) {
  if (!world.distributed()) return mean;
  double sum[1] = {mean * static_cast<double>(images)};
  world.sum(sum);
  return sum[0] / static_cast<double>(all_images);
}

}  // namespace

Trainer::~Trainer() = default;

std::string Trainer::checkpoint_path(const std::string& which) const {
  return config_.output + "/" + which + ".safetensors";
}

// Rank 0 writes (every rank holds the same state), and every rank learns the outcome.
void Trainer::save(const std::string& which) {
  run_on_root(world_, [&] {
    save_checkpoint(checkpoint_path(which), *model_, *optimizer_, position_, config_, write_options_);
  });
}

void Trainer::log(const nlohmann::json& record) {
  if (log_) log_->write(record);
  for (const auto& hook : hooks_) hook->on_record(record);
}

void Trainer::log_step(nlohmann::json record, const LossTerms& terms) {
  record["type"] = "step";
  record["step"] = position_.step;
  record["global_step"] = position_.global_step;
  for (const auto& [name, value] : terms) record[name] = value;
  log(record);
}

// report.html of the run so far (rank 0). A report that cannot be made (its JavaScript libraries
// missing, say) is warned about once and not tried again: training goes on without it.
void Trainer::write_run_report() {
  if (!world_.is_root() || report_failed_) return;
  try {
    report::write_report({config_.output}, config_.output + "/report.html", {});
  } catch (const std::exception& e) {
    report_failed_ = true;
    spdlog::warn("{}/report.html not written: {}", config_.output, e.what());
  }
}

// The first hook's loss, else cross-entropy with the config's label smoothing.
Var Trainer::training_loss(const Var& logits, const data::Batch& batch, LossTerms& terms) {
  for (const auto& hook : hooks_) {
    if (Var loss = hook->loss(logits, batch, terms); loss.defined()) return loss;
  }
  return cross_entropy(logits, batch.labels, {.label_smoothing = static_cast<float>(config_.label_smoothing)});
}

double Trainer::train_step(const data::Batch& batch, int64_t global_images, double lr, LossTerms& terms) {
  // Forward may run collectives (synchronised BN, QAT observers): an error inside it on one
  // rank is not voted on but ends the job (train/cli/train.cpp). A NaN loss is voted on.
  const ComputeScope compute(compute_type(config_.precision));  // forward and backward
  const Var logits = model_->forward(Var(batch.images));
  const Var loss = training_loss(logits, batch, terms);
  const double loss_value = loss.data().to_plain()[0];
  run_agreed(world_, [&] {
    MINNOW_CHECK(std::isfinite(loss_value), "training: the loss became ", loss_value, " at epoch ",
                 batch.epoch + 1, " step ", batch.step + 1, " (global step ", position_.global_step + 1,
                 "); stopped, and the last checkpoint ", checkpoint_path("last"), " is left as it was");
  });
  optimizer_->zero_grad();
  if (reducer_) {
    // This rank's share of the global batch, times N: the reducer's average is then the global mean's gradient.
    const double share = static_cast<double>(batch.size()) * world_.size() / static_cast<double>(global_images);
    reducer_->begin();
    {
      ListenToBackward listen(*reducer_);
      loss.backward(Tensor::full(loss.dims(), static_cast<float>(share)));
    }
    reducer_->finish();
  } else {
    loss.backward();
  }
  for (const auto& hook : hooks_) hook->after_backward(optimizer_->params());
  if (config_.optimizer.grad_clip_norm > 0) clip_grad_norm(optimizer_->params(), config_.optimizer.grad_clip_norm);
  optimizer_->step(lr);
  for (const auto& hook : hooks_) hook->after_step(optimizer_->params());
  accuracy_.add(logits.data().to_plain(), batch.labels, loss_value);
  return loss_value;
}

void Trainer::train_epoch(int64_t epoch, int64_t start_step) {
  auto& loader = *data_.train_loader;
  const int64_t steps = loader.steps_per_epoch();
  model_->train();
  for (const auto& hook : hooks_) hook->on_epoch_start(epoch);
  loader.begin_epoch(epoch, start_step);
  Progress progress("epoch " + std::to_string(epoch + 1) + "/" + std::to_string(config_.epochs), steps,
                    config_.log_every_steps);
  accuracy_ = {};
  const auto t0 = Clock::now();
  int64_t epoch_images = 0;
  const auto& check_every = config_.distributed.check_every_steps;
  while (true) {
    std::optional<data::Batch> batch;
    const StepVote vote = vote_step(
        world_,
        [&]() -> std::optional<int64_t> {
          batch = loader.next();
          return batch ? std::optional<int64_t>(batch->size()) : std::nullopt;
        },
        stop_signal());
    if (vote.signal != 0) {
      stop_signal_ = vote.signal;
      break;
    }
    if (vote.done) break;
    if (vote.any_empty) {
      // Only with several ranks (one rank passes over such steps in its loader): all ranks skip it together.
      if (world_.is_root()) spdlog::warn("epoch {} step {}: a rank's batch lost every image; the step is skipped",
                                         epoch + 1, batch->step + 1);
      position_.step = batch->step + 1;
      continue;
    }
    RunPosition at = position_;
    at.step = batch->step;
    for (const auto& hook : hooks_) hook->before_step(at, steps);
    const double lr = scheduled_lr(config_, steps, position_.global_step) * layout_.lr_factor;
    LossTerms terms;
    const double loss_value = train_step(*batch, vote.images, lr, terms);

    ++position_.global_step;
    position_.step = batch->step + 1;
    epoch_images += vote.images;
    const double rate = static_cast<double>(epoch_images) / seconds_since(t0);
    const bool log_now = position_.global_step % config_.log_every_steps == 0;
    const Accuracy acc = log_now && world_.distributed() ? summed(world_, accuracy_) : accuracy_;
    const double step_loss = log_now ? global_mean(world_, loss_value, batch->size(), vote.images) : loss_value;
    if (world_.is_root()) progress.update(batch->step, acc.loss(), acc.top1_percent(), rate);
    if (log_now) {
      log_step({{"epoch", epoch + 1}, {"lr", lr}, {"loss", step_loss}, {"train_top1", acc.top1_percent()},
                {"images_per_second", rate}},
               terms);
    }
    if (check_every > 0 && position_.global_step % check_every == 0 && world_.distributed()) {
      check_replicas_equal(world_, *model_, "at global step " + std::to_string(position_.global_step));
      log({{"type", "replica_check"}, {"global_step", position_.global_step}, {"ranks", world_.size()},
           {"checksum", std::to_string(model_checksum(*model_))}});
    }
    if (config_.checkpoint.every_steps > 0 && position_.global_step % config_.checkpoint.every_steps == 0) save("last");
    int64_t stop[1] = {std::any_of(hooks_.begin(), hooks_.end(), [&](const auto& h) { return h->should_stop(position_); })};
    world_.max(stop);  // a hook on any rank stops every rank
    stopped_ = stop[0] != 0;
    if (stopped_) break;
  }
  if (world_.is_root()) progress.finish();
  images_seen_ += epoch_images;
  const Accuracy acc = summed(world_, accuracy_);
  log({{"type", "train_epoch"}, {"epoch", epoch + 1}, {"global_step", position_.global_step}, {"loss", acc.loss()},
       {"top1", acc.top1_percent()}, {"top5", acc.top5_percent()}, {"seconds", seconds_since(t0)},
       {"skipped_images", data_.skipped_images()}});
}

// Each rank evaluates its shard of the evaluation data; the sums are reduced.
EvalResult Trainer::evaluate_ranks() {
  EvalResult mine;
  run_agreed(world_, [&] {
    const ComputeScope compute(compute_type(config_.precision));
    mine = evaluate(*model_, *data_.val_loader);
  });
  if (!world_.distributed()) return mine;
  const auto n = static_cast<double>(mine.count);
  const Accuracy all = summed(world_, {.loss_sum = mine.loss * n,
                                       .top1 = std::llround(mine.top1 * n / 100.0),
                                       .top5 = std::llround(mine.top5 * n / 100.0),
                                       .count = mine.count});
  return {.loss = all.loss(), .top1 = all.top1_percent(), .top5 = all.top5_percent(), .count = all.count,
          .num_classes = mine.num_classes, .logits = {}};
}

TrainSummary Trainer::run() {
  setup_ranks();
  TrainSummary summary;
  EvalResult last_eval;
  const double seconds_before = position_.train_seconds;
  const auto t0 = Clock::now();
  double eval_seconds = 0;
  while (position_.epoch < config_.epochs) {
    const int64_t epoch = position_.epoch;
    train_epoch(epoch, position_.step);
    if (stop_signal_ != 0) {
      position_.train_seconds = seconds_before + seconds_since(t0) - eval_seconds;
      save("last");
      summary.stopped_by_signal = stop_signal_;
      summary.stopped_at = position_;
      return summary;
    }
    if (stopped_ && position_.step < data_.train_loader->steps_per_epoch()) return summary;  // stopped mid-epoch
    position_.epoch = epoch + 1;
    position_.step = 0;

    const auto e0 = Clock::now();
    if (data_.val_loader) {
      last_eval = evaluate_ranks();
      if (world_.is_root())
        spdlog::info("epoch {}/{}: test loss {:.4f} top-1 {:.2f}% top-5 {:.2f}%", epoch + 1, config_.epochs,
                     last_eval.loss, last_eval.top1, last_eval.top5);
      log({{"type", "eval_epoch"}, {"epoch", epoch + 1}, {"global_step", position_.global_step},
           {"loss", last_eval.loss}, {"top1", last_eval.top1}, {"top5", last_eval.top5}, {"images", last_eval.count}});
    }
    eval_seconds += seconds_since(e0);
    position_.train_seconds = seconds_before + seconds_since(t0) - eval_seconds;
    if (data_.val_loader && last_eval.top1 > position_.best_top1) {
      position_.best_top1 = last_eval.top1;
      if (config_.checkpoint.keep_best) save("best");
    }
    const bool due = config_.checkpoint.every_epochs > 0 && (epoch + 1) % config_.checkpoint.every_epochs == 0;
    if (due || position_.epoch == config_.epochs) save("last");
    if (position_.epoch < config_.epochs) write_run_report();  // the last epoch's waits for summary.json
    if (stopped_) return summary;  // stopped at the epoch's end, after its checkpoints
  }
  if (!data_.val_loader && world_.is_root()) spdlog::warn("no test or validation data: summary.json holds no accuracy");
  summary.test_top1 = last_eval.top1;
  summary.test_top5 = last_eval.top5;
  summary.test_loss = last_eval.loss;
  summary.best_top1 = std::max(0.0, position_.best_top1);
  summary.train_seconds = position_.train_seconds;
  summary.epochs = config_.epochs;
  summary.images = images_seen_;
  summary.images_per_second =
      position_.train_seconds > 0 ? static_cast<double>(images_seen_) / (seconds_since(t0) - eval_seconds) : 0.0;

  run_on_root(world_, [&] {
    export_weights(config_.output + "/model.safetensors", *model_, config_.model);
    write_text_file(config_.output + "/summary.json", summary_record(summary).dump(2) + "\n");
  });
  write_run_report();
  return summary;
}

nlohmann::json Trainer::summary_record(const TrainSummary& summary) const {
  nlohmann::json out = {{"model", config_.model.name},     {"test_top1", summary.test_top1},
                        {"test_top5", summary.test_top5},  {"test_loss", summary.test_loss},
                        {"best_top1", summary.best_top1},  {"train_seconds", summary.train_seconds},
                        {"epochs", summary.epochs},        {"images_per_second", summary.images_per_second},
                        {"params", exported_parameters(*model_)}};
  if (world_.distributed()) {
    out["world_size"] = layout_.world_size;
    out["batch_size_per_rank"] = layout_.batch_per_rank;
    out["effective_batch_size"] = layout_.effective_batch;
    out["lr_scaling"] = std::string(to_string(config_.distributed.lr_scaling));
    out["lr_factor"] = layout_.lr_factor;
    out["sync_bn"] = config_.distributed.sync_bn;
  }
  return out;
}

}  // namespace minnow
