// Entry point of the `minnow` command: parses the subcommand, runs it, and turns
// every minnow::Error into one clear line on stderr and a non-zero exit.
#include <cstdio>

#include "core/error.h"
#include "train/cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"minnow: train, distil and quantize lightweight CNNs on CPUs"};
  app.require_subcommand(1);
  minnow::cli::Action action;
  minnow::cli::add_train_command(app, action);
  minnow::cli::add_stats_command(app, action);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  try {
    return action ? action() : 0;
  } catch (const minnow::Error& e) {
    std::fprintf(stderr, "minnow: error: %s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "minnow: error: %s\n", e.what());
    return 1;
  }
}
