// The report in a real browser: two tiny real training runs (`minnow train`: one plain, one
// distilled with QAT), then `minnow report` of both and the plain run's own report.html, each
// opened in headless Chromium. The page's script writes a self-check into #selfcheck once it
// has drawn (html.h); the test reads it from --dump-dom and asserts no JavaScript error, every
// dygraph's canvas holding its series' colours, and every D3 scatter point there.
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "models/zoo.h"
#include "tests/data/data_files.h"
#include "tests/support/python.h"
#include "tests/train/cli_run.h"
#include "tests/train/tiny_dataset.h"
#include "train/model_setup.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;
using test_support::CliRun;
using test_support::run_minnow;

constexpr const char* kModel =
    "model: {name: mobilenet_v1, width: 0.125, resolution: 12, num_classes: 4, in_channels: 1, small_input: true}\n";

// A run's config: two epochs of 6 steps, logged every 2nd step.
std::string run_config(const fs::path& data, const fs::path& output, const std::string& extra) {
  return std::string(kModel) + "data: {format: idx, train: [" + data.string() + "], batch_size: 16, workers: 0,"
         " transforms: {mean: [0.3], std: [0.3]}}\n"
         "optimizer: {name: sgd, lr: 0.05, momentum: 0.9}\nschedule: {name: cosine}\n"
         "epochs: 2\nthreads: 1\nseed: 3\nlog_every_steps: 2\noutput: " + output.string() + "\n" + extra;
}

void train(const test_support::ScratchDir& dir, const std::string& name, const std::string& extra) {
  const fs::path config = dir.path() / (name + ".yaml");
  testing::write_text(config, run_config(dir.path() / "data", dir.path() / name, extra));
  const CliRun run = run_minnow({"train", config.string()}, dir.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
}

// The attributes of the page's <div id="selfcheck"> after Chromium ran its scripts.
std::map<std::string, std::string> selfcheck(const test_support::ScratchDir& dir, const fs::path& page) {
  const std::string chromium = MINNOW_CHROMIUM;
  if (chromium.empty()) {
    ADD_FAILURE() << "chromium was not found when the build was configured; install it (apt-get install chromium, "
                     "as tools/install_deps.sh does) and configure again";
    return {};
  }
  const CliRun run = test_support::run_program(
      "timeout", {"120", chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--user-data-dir=" + (dir.path() / "chromium-profile").string(), "--virtual-time-budget=5000",
                  "--window-size=1400,2000", "--dump-dom", "file://" + fs::absolute(page).string()},
      dir.path());
  EXPECT_EQ(run.exit_code, 0) << "chromium failed (124: timed out): " << run.err;
  std::map<std::string, std::string> attributes;
  std::smatch div;
  if (!std::regex_search(run.out, div, std::regex(R"(<div id="selfcheck"([^>]*)>)"))) {
    ADD_FAILURE() << "no #selfcheck in the dumped page; chromium said: " << run.err.substr(0, 2000);
    return attributes;
  }
  const std::string text = div[1].str();
  const std::regex attribute(R"re(([a-z-]+)="([^"]*)")re");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), attribute); it != std::sregex_iterator(); ++it)
    attributes[(*it)[1].str()] = (*it)[2].str();
  return attributes;
}

void expect_drawn(const std::map<std::string, std::string>& check, int charts, int circles) {
  const auto at = [&](const std::string& key) { return check.contains(key) ? check.at(key) : "(missing)"; };
  EXPECT_EQ(at("data-done"), "true");
  EXPECT_EQ(at("data-errors"), "0") << at("data-error-text");
  EXPECT_EQ(at("data-charts"), std::to_string(charts));
  EXPECT_EQ(at("data-charts-drawn"), std::to_string(charts)) << "dygraphs whose canvas shows no series";
  EXPECT_EQ(at("data-circles"), std::to_string(circles));
  EXPECT_EQ(at("data-circles-expected"), std::to_string(circles));
}

TEST(ReportBrowser, RealRunsDrawEveryChartWithoutErrors) {
  test_support::ScratchDir dir;
  fs::create_directories(dir.path() / "data");
  test_support::write_tiny_train_and_test(dir.path() / "data");
  const ModelConfig teacher{{.name = "mobilenet_v1", .width = 0.25f, .num_classes = 4, .in_channels = 1,
                             .small_input = true},
                            12};
  const std::string teacher_weights = dir.file("teacher.safetensors");
  export_weights(teacher_weights, *create_model(model_spec(teacher, 5)), teacher);

  train(dir, "plain", "");
  train(dir, "student",
        "distill: {enabled: true, teacher: {model: mobilenet_v1, width: 0.25, weights: " + teacher_weights +
            "}, temperature: 3, alpha: 0.7}\nqat: {enabled: true, freeze_bn_epoch: 1, freeze_observer_epoch: 1}\n");
  ASSERT_TRUE(fs::exists(dir.path() / "plain" / "report.html")) << "minnow train writes report.html";

  const fs::path both = dir.path() / "both.html";
  const CliRun report = run_minnow(
      {"report", dir.file("plain"), dir.file("student"), "-o", both.string(), "--latency"}, dir.path());
  ASSERT_EQ(report.exit_code, 0) << report.err;

  // Each run: loss, top-1 and learning rate by step and by epoch; the student adds the
  // distillation terms and the QAT phases (both ways); then one chart of every run's test top-1.
  // Scatters: top-1 against Mult-Adds, parameters and latency, one point a run.
  expect_drawn(selfcheck(dir, both), 6 + 10 + 1, 3 * 2);
  // The trainer's own report of one run: its charts, no scatter.
  expect_drawn(selfcheck(dir, dir.path() / "plain" / "report.html"), 6, 0);
}

}  // namespace
}  // namespace minnow
