// `minnow train CONFIG [--set key=value]...`: runs (or resumes) the configured
// training, with the hooks its config asks for, and prints the summary's figures.
// Started by mpirun, every rank runs this: rank 0 prints, all exit with the same code.
// SIGINT or SIGTERM stops the run after its current step (exit 130 or 143).
#include <spdlog/spdlog.h>

#include <cstdio>

#include "dist/world.h"
#include "train/cli/commands.h"
#include "train/distributed/agreement.h"
#include "train/feature_hooks.h"
#include "train/interrupt.h"
#include "train/trainer.h"

namespace minnow::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
};

int train(const TrainArgs& a, const dist::World& world) {
  const Config config = load_config(a.config, a.overrides);
  std::unique_ptr<Trainer> built;
  run_agreed(world, [&] { built = std::make_unique<Trainer>(config, feature_hooks(config)); });
  Trainer& trainer = *built;
  const TrainSummary s = trainer.run();
  if (s.stopped_by_signal != 0) {
    const RunPosition& at = s.stopped_at;
    if (world.is_root())
      std::fprintf(stderr,
                   "minnow: stopped by %s after epoch %lld step %lld (global step %lld); %s/last.safetensors holds "
                   "it: resume with minnow train %s --set resume=auto\n",
                   signal_name(s.stopped_by_signal), static_cast<long long>(at.epoch + 1),
                   static_cast<long long>(at.step), static_cast<long long>(at.global_step), trainer.run_dir().c_str(),
                   a.config.c_str());
    return 128 + s.stopped_by_signal;
  }
  if (world.is_root())
    spdlog::info("done: test top-1 {:.2f}%, top-5 {:.2f}%, {:.1f} s of training, {:.0f} images/s; run folder {}",
                 s.test_top1, s.test_top5, s.train_seconds, s.images_per_second, trainer.run_dir());
  return 0;
}

int run_train(const TrainArgs& a) {
  const StopOnSignal stop_on_signal;
  const dist::World& world = dist::World::get();  // joins the job when a launcher started this process
  if (!world.is_root()) spdlog::set_level(spdlog::level::warn);
  int code = 0;
  try {
    code = train(a, world);
  } catch (const JobError&) {
    dist::World::finalize();  // every rank raised it: the job ends in order
    throw;
  } catch (const std::exception& e) {
    if (!world.distributed()) throw;
    // This rank alone failed, perhaps inside a collective the others wait in: end them all.
    std::fprintf(stderr, "minnow: error: rank %d of %d: %s\n", world.rank(), world.size(), e.what());
    std::fflush(stderr);
    world.abort(1);
  }
  dist::World::finalize();
  return code;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "Train (or resume) a model from a YAML config; under mpirun, on N ranks");
  cmd->add_option("config", args->config, "YAML config file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--set", args->overrides, "Override a config key: --set optimizer.lr=0.05 (repeatable)")
      ->allow_extra_args(false);
  cmd->callback([args, &action] { action = [args] { return run_train(*args); }; });
}

}  // namespace minnow::cli
