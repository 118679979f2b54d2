// Building a Trainer (the model, its hooks, the data shards, the optimizer, a resumed
// checkpoint; no collective) and, at the start of run(), making the ranks' start equal and
// writing the run folder's config and metrics. The training loop is in trainer.cpp.
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <thread>

#include "core/engine.h"
#include "core/error.h"
#include "train/data_setup.h"
#include "train/distributed/agreement.h"
#include "train/distributed/replica_state.h"
#include "train/model_setup.h"
#include "train/trainer.h"

namespace minnow {
namespace {

std::string resume_path(const Config& c, const std::string& last) {
  if (c.resume.empty()) return "";
  if (c.resume == "auto") return std::filesystem::exists(last) ? last : "";
  MINNOW_CHECK(std::filesystem::exists(c.resume), "config: resume: checkpoint '", c.resume, "' does not exist");
  return c.resume;
}

double lr_factor(LrScaling rule, int world_size) {
  switch (rule) {
    case LrScaling::linear: return world_size;
    case LrScaling::sqrt: return std::sqrt(static_cast<double>(world_size));
    case LrScaling::none: break;
  }
  return 1.0;
}

// config.yaml: the resolved config, after a comment on how the run was spread over ranks.
std::string resolved_config_text(const Config& config, const ParallelLayout& layout) {
  if (layout.world_size == 1) return to_yaml(config);
  return fmt::format("# {} ranks x data.batch_size {} = effective batch {}; distributed.lr_scaling {} multiplies the "
                     "scheduled learning rate by {:g}\n",
                     layout.world_size, layout.batch_per_rank, layout.effective_batch,
                     to_string(config.distributed.lr_scaling), layout.lr_factor) +
         to_yaml(config);
}

}  // namespace

Trainer::Trainer(Config config, TrainHooks hooks)
    : config_(std::move(config)), world_(dist::World::get()), hooks_(std::move(hooks)) {
  const int ranks = world_.size();
  auto& d = config_.distributed;
  MINNOW_CHECK(d.world_size == 0 || d.world_size == ranks, "config: distributed.world_size is ", d.world_size,
               " but this run has ", ranks, " rank(s); start it with mpirun -np ", d.world_size,
               " or set distributed.world_size to 0");
  if (world_.distributed()) d.world_size = ranks;  // a run of one process writes its config as given
  layout_ = {.world_size = ranks,
             .batch_per_rank = config_.data.batch_size,
             .effective_batch = int64_t{config_.data.batch_size} * ranks,
             .lr_factor = lr_factor(d.lr_scaling, ranks)};
  if (config_.threads > 0) {
    set_num_threads(config_.threads);
  } else if (world_.distributed()) {
    const int cores = static_cast<int>(std::max(1U, std::thread::hardware_concurrency()));
    set_num_threads(std::max(1, cores / world_.local_size()));
  }
  if (world_.is_root()) std::filesystem::create_directories(config_.output);
  model_ = build_model(config_);
  for (const auto& hook : hooks_) hook->on_model(*model_);
  data::DataConfig data_config = to_data_config(config_);
  data_config.loader.shards = ranks;
  data_config.loader.shard = world_.rank();
  data_config.loader.keep_empty_batches = world_.distributed();
  data_ = data::make_data(data_config);
  MINNOW_CHECK(data_.train->num_classes() <= config_.model.num_classes, "config: model.num_classes is ",
               config_.model.num_classes, " but the training data has ", data_.train->num_classes(), " classes");
  NamedParams params;
  for (const auto& p : model_->named_parameters()) params.emplace_back(p.name, p.var);
  optimizer_ = make_optimizer(config_.optimizer, params);

  if (const std::string from = resume_path(config_, checkpoint_path("last")); !from.empty()) {
    const LoadedCheckpoint loaded = load_checkpoint(from, *model_, optimizer_.get());
    position_ = loaded.position;
    // A checkpoint from inside an epoch continues only on as many ranks: the shards depend on N.
    const int saved_ranks = position_.step == 0 ? ranks
                            : std::max(1, parse_config(loaded.config_yaml, "checkpoint " + from + " (config)")
                                              .distributed.world_size);
    MINNOW_CHECK(saved_ranks == ranks, "config: resume: ", from, " stopped inside epoch ", position_.epoch + 1,
                 " of a run on ", saved_ranks, " rank(s); resume it with mpirun -np ", saved_ranks,
                 " (this run has ", ranks, ")");
    if (world_.is_root())
      spdlog::info("resuming from {} at epoch {} step {}", from, position_.epoch, position_.step);
  }
}

// The run folder's config and metrics (rank 0), and with more than one rank the same start
// everywhere, checked, and the layers that must see the global batch wired to the other ranks.
// The constructor runs no collective, so a rank that fails there cannot leave others waiting.
void Trainer::setup_ranks() {
  run_on_root(world_, [&] {
    write_text_file(config_.output + "/config.yaml", resolved_config_text(config_, layout_));
    log_ = std::make_unique<MetricsLog>(config_.output + "/metrics.jsonl");
  });
  if (!world_.distributed()) return;
  check_same_position();
  broadcast_model(world_, *model_);
  check_replicas_equal(world_, *model_, "after rank 0's parameters and buffers were broadcast");
  if (config_.distributed.sync_bn) synchronise_batch_norm(world_, *model_);
  synchronise_observers(world_, *model_);
  reducer_ = std::make_unique<GradReducer>(
      world_, optimizer_->params(),
      GradReducerOptions{.bucket_mb = config_.distributed.bucket_mb, .overlap = config_.distributed.overlap},
      config_.distributed.sync_bn ? std::vector<Tensor>{} : bn_running_statistics(*model_));  // synced: already equal
  if (world_.is_root())
    spdlog::info("data parallel: {} ranks x batch {} = {}, {} gradient bucket(s), {} BatchNorm", world_.size(),
                 layout_.batch_per_rank, layout_.effective_batch, reducer_->bucket_count(),
                 config_.distributed.sync_bn ? "synchronised" : "local");
}

// Every rank starts (or resumes) at the same place in the run: a rank that found another
// checkpoint, or none, would run other steps and leave the rest waiting.
void Trainer::check_same_position() {
  int64_t extremes[6] = {position_.epoch,  position_.step,  position_.global_step,
                         -position_.epoch, -position_.step, -position_.global_step};
  world_.max(extremes);
  if (extremes[0] != -extremes[3] || extremes[1] != -extremes[4] || extremes[2] != -extremes[5])
    throw JobError(fmt::format("distributed: the ranks start at different positions (rank {} at epoch {} step {}, "
                               "global step {}); every rank must see the same run folder and checkpoint",
                               world_.rank(), position_.epoch + 1, position_.step, position_.global_step),
                   "train/trainer.cpp");
}

}  // namespace minnow
