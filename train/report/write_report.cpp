// Run folders in, report.html out.
#include "train/report/write_report.h"

#include <map>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "train/checkpoint_io.h"
#include "train/report/model_costs.h"
#include "train/report/report_data.h"

namespace minnow::report {

void write_report(const std::vector<std::string>& folders, const std::string& output, const ReportOptions& options) {
  MINNOW_CHECK(!folders.empty(), "report: expected at least one run folder, got none");
  const Assets assets = load_assets(options.javascript_root);
  nlohmann::json runs = nlohmann::json::array();
  std::string names;
  std::map<std::string, int> seen;
  for (const std::string& folder : folders) {
    RunData run = read_run(folder);
    run.costs = model_costs(run.config, options.measure_latency);
    if (const int n = ++seen[run.name]; n > 1) run.name += " (" + std::to_string(n) + ")";  // charts need unique names
    names += (names.empty() ? "" : ", ") + run.name;
    runs.push_back(to_json(run));
  }
  const nlohmann::json report = {{"title", options.title.empty() ? "minnow report: " + names : options.title},
                                 {"runs", runs}};
  write_file_atomic(output, render_page(report, assets));
}

}  // namespace minnow::report
