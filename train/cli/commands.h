// The `minnow` subcommands. Each file in train/cli registers one subcommand on
// the CLI11 app and runs it when selected; main.cpp owns parsing and the one
// error path (a minnow::Error prints one line and exits 1).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minnow::cli {

// The action to run once parsing succeeded; set by the selected subcommand.
using Action = std::function<int()>;

void add_stats_command(CLI::App& app, Action& action);
void add_train_command(CLI::App& app, Action& action);

}  // namespace minnow::cli
