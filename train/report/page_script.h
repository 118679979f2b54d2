// The report page's own JavaScript and CSS (html.h puts them into the page). The script
// only arranges data for dygraphs and D3 and calls them; it draws nothing itself.
#pragma once

#include <string_view>

namespace minnow::report {

// Runs first, before the libraries: collects every error (window errors, rejected promises,
// console.error, which dygraphs uses for bad data) into window.minnowErrors and #selfcheck.
extern const std::string_view kErrorCollector;

// Reads the JSON in #report-data, draws the scorecard and each run's charts, then writes
// into #selfcheck: data-charts (dygraphs made), data-charts-drawn (those whose canvas holds
// pixels of their series' colours), data-circles and data-circles-expected (D3's scatter
// points), data-errors and data-error-text, and data-done="true".
extern const std::string_view kPageScript;

extern const std::string_view kPageStyle;

}  // namespace minnow::report
