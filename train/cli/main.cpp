// Entry point of the `minnow` command: parses the subcommand, runs it, and turns
// every error (a minnow::Error, or a bad command line) into one clear line on
// stderr and a non-zero exit. --help prints the usage and exits 0.
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <cstdio>

#include "train/cli/commands.h"

namespace minnow::cli {

void log_to_stderr() { spdlog::set_default_logger(spdlog::stderr_color_mt("minnow")); }

}  // namespace minnow::cli

int main(int argc, char** argv) {
  CLI::App app{"minnow: train, distil and quantize lightweight CNNs on CPUs"};
  app.require_subcommand(1);
  minnow::cli::Action action;
  minnow::cli::add_train_command(app, action);
  minnow::cli::add_eval_command(app, action);
  minnow::cli::add_predict_command(app, action);
  minnow::cli::add_export_command(app, action);
  minnow::cli::add_prune_command(app, action);
  minnow::cli::add_adapt_command(app, action);
  minnow::cli::add_bench_command(app, action);
  minnow::cli::add_stats_command(app, action);
  minnow::cli::add_report_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "minnow: error: %s (see minnow --help)\n", e.what());
    return e.get_exit_code();
  }
  try {
    return action ? action() : 0;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minnow: error: %s\n", e.what());
    return 1;
  }
}
