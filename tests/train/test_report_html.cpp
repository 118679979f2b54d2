// The report page (train/report/html.h, write_report.h) and `minnow report`: the data is
// embedded as JSON that parses back, "</script" in inlined text cannot end its element,
// missing libraries name their path and package, and the command's errors are one line.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tests/data/data_files.h"
#include "tests/support/python.h"
#include "tests/train/cli_run.h"
#include "tests/train/report_runs.h"
#include "train/report/html.h"
#include "train/report/write_report.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::expect_one_line_error;
using test_support::run_minnow;

// 'path', as messages quote a path.
std::string in_quotes(const std::string& path) { return "'" + path + "'"; }

size_t count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// The text of the page's <script type="application/json" id="report-data"> element.
std::string embedded_json(const std::string& page) {
  const std::string open = R"(<script type="application/json" id="report-data">)";
  const size_t begin = page.find(open);
  if (begin == std::string::npos) return "";
  const size_t end = page.find("</script>", begin);
  return page.substr(begin + open.size(), end - begin - open.size());
}

TEST(ReportHtml, EscapeInlineBreaksClosingTagsInAnyCaseAndCommentOpeners) {
  EXPECT_EQ(report::escape_inline("a</script>b</SCRIPT x<!-- y", "script"), "a<\\/script>b<\\/SCRIPT x<\\!-- y");
  EXPECT_EQ(report::escape_inline("p { } </style></scrip", "style"), "p { } <\\/style></scrip");
  EXPECT_EQ(report::escape_inline("</style>", "script"), "</style>");
  EXPECT_EQ(report::escape_inline("plain text", "script"), "plain text");
}

TEST(ReportHtml, PageEmbedsTheDataAndEveryLibraryWithoutEndingAScriptEarly) {
  const report::Assets assets{.dygraph_js = "var dygraph_marker = '</script><b>';",
                              .dygraph_css = ".dygraph-legend { } </style>",
                              .d3_js = "var d3_marker = 1;"};
  const json data = {{"title", "runs <a> & \"b\""},
                     {"runs", json::array({{{"name", "</script><script>alert(1)</script>"}, {"x", {1.5, nullptr}}}})}};
  const std::string page = report::render_page(data, assets);
  // Five script elements (error collector, dygraphs, D3, data, page script): five closing tags, no more.
  EXPECT_EQ(count(page, "<script"), 5u);
  EXPECT_EQ(count(page, "</script"), 5u);
  EXPECT_EQ(count(page, "</style"), 2u);
  EXPECT_NE(page.find("var dygraph_marker = '<\\/script><b>';"), std::string::npos);
  EXPECT_NE(page.find("var d3_marker = 1;"), std::string::npos);
  EXPECT_NE(page.find("<title>runs &lt;a&gt; &amp; &quot;b&quot;</title>"), std::string::npos);
  EXPECT_NE(page.find(R"(<div id="selfcheck")"), std::string::npos);
  const std::string embedded = embedded_json(page);
  EXPECT_EQ(embedded.find('<'), std::string::npos) << embedded;
  EXPECT_EQ(json::parse(embedded), data);
}

TEST(ReportHtml, MissingLibrariesNameTheirPathAndPackage) {
  test_support::ScratchDir dir;
  const auto error_of = [&] {
    try {
      report::load_assets(dir.path().string());
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  std::string message = error_of();
  EXPECT_NE(message.find(in_quotes(dir.file("dygraphs/dygraph.min.js")) + " is missing"), std::string::npos) << message;
  EXPECT_NE(message.find("apt-get install libjs-dygraphs"), std::string::npos) << message;
  testing::write_text(dir.path() / "dygraphs" / "dygraph.min.js", "js");
  testing::write_text(dir.path() / "dygraphs" / "dygraph.min.css", "css");
  message = error_of();
  EXPECT_NE(message.find(in_quotes(dir.file("d3/d3.min.js")) + " is missing"), std::string::npos) << message;
  EXPECT_NE(message.find("apt-get install libjs-d3"), std::string::npos) << message;
  testing::write_text(dir.path() / "d3" / "d3.min.js", "d3");
  EXPECT_EQ(report::load_assets(dir.path().string()).d3_js, "d3");
}

TEST(ReportHtml, DebiansLibrariesAreInlined) {
  const report::Assets assets = report::load_assets();
  EXPECT_NE(assets.dygraph_js.find("Dygraph"), std::string::npos);
  EXPECT_NE(assets.d3_js.find("version:\"3."), std::string::npos);
  EXPECT_FALSE(assets.dygraph_css.empty());
}

TEST(ReportHtml, WriteReportReplacesTheFileAndLeavesNoTemporaryFile) {
  test_support::ScratchDir dir;
  const std::string a = test_support::write_run_folder(dir.path() / "runs" / "a", test_support::run_config_yaml(),
                                                       test_support::two_epoch_metrics());
  const std::string output = dir.file("report.html");
  testing::write_text(output, "old");
  report::write_report({a, a}, output, {.title = "", .measure_latency = false});
  const std::string page = test_support::read_text(output);
  const json data = json::parse(embedded_json(page));
  EXPECT_EQ(data["title"], "minnow report: a, a (2)");
  ASSERT_EQ(data["runs"].size(), 2u);
  EXPECT_EQ(data["runs"][1]["name"], "a (2)");
  EXPECT_GT(data["runs"][0]["costs"]["macs"].get<int64_t>(), 0);
  EXPECT_TRUE(data["runs"][0]["costs"]["latency_ms"].is_null());
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 2);  // runs/, report.html
}

TEST(CliReport, WritesThePageAndSaysWhere) {
  test_support::ScratchDir dir;
  const std::string a = test_support::write_run_folder(dir.path() / "a", test_support::run_config_yaml(),
                                                       test_support::two_epoch_metrics());
  const std::string output = dir.file("out.html");
  const auto run = run_minnow({"report", a, "-o", output, "--title", "two runs"}, dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("report of 1 run(s) written to " + output), std::string::npos) << run.out;
  EXPECT_EQ(json::parse(embedded_json(test_support::read_text(output)))["title"], "two runs");
}

TEST(CliReport, BadRunsAreOneErrorLineAndNoPage) {
  test_support::ScratchDir dir;
  const std::string output = dir.file("out.html");
  const std::string good = test_support::write_run_folder(dir.path() / "good", test_support::run_config_yaml(),
                                                          test_support::two_epoch_metrics());
  expect_one_line_error(run_minnow({"report", good, dir.file("absent"), "-o", output}, dir.path()),
                        "report: run folder " + in_quotes(dir.file("absent")) + " does not exist");
  fs::create_directories(dir.path() / "no_metrics");
  expect_one_line_error(run_minnow({"report", dir.file("no_metrics"), "-o", output}, dir.path()),
                        "no_metrics/metrics.jsonl' does not exist");
  const std::string broken = test_support::write_run_folder(dir.path() / "broken", test_support::run_config_yaml(),
                                                            {"{\"type\": \"step\", \"epoch\": 1"});
  expect_one_line_error(run_minnow({"report", broken, "-o", output}, dir.path()),
                        broken + "/metrics.jsonl:1: expected one JSON object per line");
  expect_one_line_error(run_minnow({"report", "-o", output}, dir.path()), "runs is required");
  EXPECT_FALSE(fs::exists(output));
}

}  // namespace
}  // namespace minnow
