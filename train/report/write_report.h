// One report file from run folders, as `minnow report` and the trainer (after every epoch,
// rank 0) make it: the libraries are read first, so a missing one fails before any work.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "train/report/html.h"

namespace minnow::report {

struct ReportOptions {
  std::string title;  // "" = "minnow report: " and the runs' names
  bool measure_latency = false;
  std::string_view javascript_root = kJavascriptRoot;
};

// Reads every folder (report_data.h), adds each model's costs, renders the page and replaces
// output atomically. Errors name the file and what was wrong with it.
void write_report(const std::vector<std::string>& folders, const std::string& output, const ReportOptions& options);

}  // namespace minnow::report
