// The `minnow` subcommands. Each file in train/cli registers one subcommand on
// the CLI11 app and runs it when selected; main.cpp owns parsing and the one
// error path (every error, a minnow::Error or a bad argument, prints one line and exits non-zero).
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace minnow::cli {

// The action to run once parsing succeeded; set by the selected subcommand.
using Action = std::function<int()>;

void add_adapt_command(CLI::App& app, Action& action);
void add_bench_command(CLI::App& app, Action& action);
void add_eval_command(CLI::App& app, Action& action);
void add_export_command(CLI::App& app, Action& action);
void add_predict_command(CLI::App& app, Action& action);
void add_prune_command(CLI::App& app, Action& action);
void add_report_command(CLI::App& app, Action& action);
void add_stats_command(CLI::App& app, Action& action);
void add_train_command(CLI::App& app, Action& action);

// Sends log lines to stderr, so that stdout holds only the command's result (--json).
void log_to_stderr();

}  // namespace minnow::cli
