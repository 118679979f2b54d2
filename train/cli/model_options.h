// The command-line options that describe a zoo model (--model, --width, --resolution,
// --num-classes, --in-channels, --small-input, --groups, --channels), shared by the subcommands that
// build one from flags rather than from a config (bench, stats).
#pragma once

#include <CLI/CLI.hpp>

#include "models/zoo.h"

namespace minnow::cli {

void add_model_options(CLI::App& cmd, ModelSpec& spec, int64_t& resolution);

}  // namespace minnow::cli
