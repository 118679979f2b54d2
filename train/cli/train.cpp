// `minnow train CONFIG [--set key=value]...`: runs (or resumes) the configured
// training, with the hooks its config asks for, and prints the summary's figures.
#include <spdlog/spdlog.h>

#include "train/cli/commands.h"
#include "train/feature_hooks.h"
#include "train/trainer.h"

namespace minnow::cli {
namespace {

struct TrainArgs {
  std::string config;
  std::vector<std::string> overrides;
};

int run_train(const TrainArgs& a) {
  const Config config = load_config(a.config, a.overrides);
  Trainer trainer(config, feature_hooks(config));
  const TrainSummary s = trainer.run();
  spdlog::info("done: test top-1 {:.2f}%, top-5 {:.2f}%, {:.1f} s of training, {:.0f} images/s; run folder {}",
               s.test_top1, s.test_top5, s.train_seconds, s.images_per_second, trainer.run_dir());
  return 0;
}

}  // namespace

void add_train_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<TrainArgs>();
  auto* cmd = app.add_subcommand("train", "Train (or resume) a model from a YAML config");
  cmd->add_option("config", args->config, "YAML config file")->required()->check(CLI::ExistingFile);
  cmd->add_option("--set", args->overrides, "Override a config key: --set optimizer.lr=0.05 (repeatable)")
      ->allow_extra_args(false);
  cmd->callback([args, &action] { action = [args] { return run_train(*args); }; });
}

}  // namespace minnow::cli
