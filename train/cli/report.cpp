// `minnow report RUN [RUN...] [-o report.html] [--title T] [--latency [--threads N]]`: one
// self-contained HTML page (train/report/) with each run's curves against step and epoch and,
// for several runs, the scorecard: test top-1 against Mult-Adds, parameters and latency.
#include <cstdio>

#include "core/engine.h"
#include "train/cli/commands.h"
#include "train/report/write_report.h"

namespace minnow::cli {
namespace {

struct ReportArgs {
  std::vector<std::string> runs;
  std::string output = "report.html";
  std::string title;
  bool latency = false;
  int threads = 1;
};

int run_report(const ReportArgs& a) {
  set_num_threads(a.threads);
  report::write_report(a.runs, a.output, {.title = a.title, .measure_latency = a.latency});
  std::printf("report of %zu run(s) written to %s\n", a.runs.size(), a.output.c_str());
  return 0;
}

}  // namespace

void add_report_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<ReportArgs>();
  auto* cmd = app.add_subcommand("report", "Write one self-contained HTML page of runs' curves and scorecard");
  cmd->add_option("runs", args->runs, "Run folders (each holds config.yaml and metrics.jsonl)")->required();
  cmd->add_option("-o,--output", args->output, "The HTML file to write")->capture_default_str();
  cmd->add_option("--title", args->title, "The page's title (default: the runs' names)");
  cmd->add_flag("--latency", args->latency, "Measure each model's batch-1 latency for the scorecard");
  cmd->add_option("--threads", args->threads, "Threads for the latency measurement")->check(CLI::Range(1, 1024));
  cmd->callback([args, &action] { action = [args] { return run_report(*args); }; });
}

}  // namespace minnow::cli
