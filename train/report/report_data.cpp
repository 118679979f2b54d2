// Reading a run folder: metrics.jsonl line by line (strict about the records the report
// uses, silent about record types and keys it does not), config.yaml through the config
// loader, summary.json if the run finished.
#include "train/report/report_data.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "core/error.h"

namespace minnow::report {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A JSON value or a line as a message may quote it: one line, at most 60 characters.
std::string shown(std::string_view text) {
  constexpr size_t kMax = 60;
  std::string out = "'";
  out += printable(text.substr(0, kMax));
  out += text.size() > kMax ? "...'" : "'";
  return out;
}

// One line of metrics.jsonl, for reading its figures and naming it in errors.
struct Record {
  const std::string& path;
  int line;
  const json& value;
  std::string type;

  const json* find(const char* key) const {
    const auto it = value.find(key);
    return it == value.end() || it->is_null() ? nullptr : &*it;
  }
  [[noreturn]] void fail(const char* key, const std::string& expected, const json* got) const {
    MINNOW_FAIL("report: ", path, ":", line, ": a \"", type, "\" record needs ", expected, " \"", key, "\", got ",
                got ? shown(got->dump()) : std::string("none"));
  }
  double number(const char* key) const {
    const json* v = find(key);
    if (!v || !v->is_number()) fail(key, "a number", v);
    return v->get<double>();
  }
  int64_t count(const char* key, int64_t least = 0) const {
    const json* v = find(key);
    if (!v || !v->is_number_integer() || v->get<int64_t>() < least)
      fail(key, "a whole number >= " + std::to_string(least), v);
    return v->get<int64_t>();
  }
  std::optional<int64_t> optional_count(const char* key) const {
    return find(key) ? std::optional<int64_t>(count(key)) : std::nullopt;
  }
};

struct RawStep {
  int64_t epoch = 0, step = 0;  // 1-based epoch; steps done in it
  StepPoint point;
};

struct RawMetrics {
  std::map<int64_t, RawStep> steps;      // by global step
  std::map<int64_t, EpochPoint> epochs;  // by epoch
  std::set<int64_t> epoch_step_known;  // epochs whose records carry their global step
};

void add_record(const Record& r, RawMetrics& m) {
  if (r.type == "step") {
    StepPoint point{.global_step = r.count("global_step"), .epoch = 0, .lr = r.number("lr"),
                    .loss = r.number("loss"), .train_top1 = r.number("train_top1"), .terms = {}};
    for (const auto& [key, value] : r.value.items())
      if (key.starts_with("loss_")) point.terms[key] = r.number(key.c_str());
    // A step logged again after a resume: the later record counts.
    m.steps[point.global_step] = {.epoch = r.count("epoch", 1), .step = r.count("step"), .point = point};
  } else if (r.type == "train_epoch" || r.type == "eval_epoch") {
    EpochPoint& e = m.epochs[r.count("epoch", 1)];
    e.epoch = r.count("epoch", 1);
    const bool train = r.type == "train_epoch";
    (train ? e.train_loss : e.test_loss) = r.number("loss");
    (train ? e.train_top1 : e.test_top1) = r.number("top1");
    if (const auto at = r.optional_count("global_step")) {
      e.global_step = *at;
      m.epoch_step_known.insert(e.epoch);
    }
  }
}

RawMetrics read_metrics(const std::string& path) {
  std::ifstream in(path);
  MINNOW_CHECK(in.is_open(), "report: cannot open '", path, "' for reading");
  RawMetrics metrics;
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json value;
    try {
      value = json::parse(line);
    } catch (const json::parse_error& e) {
      MINNOW_FAIL("report: ", path, ":", number, ": expected one JSON object per line, got ", shown(line), " (",
                  e.what(), ")");
    }
    const auto type = value.is_object() ? value.find("type") : value.end();
    MINNOW_CHECK(value.is_object() && type != value.end() && type->is_string(), "report: ", path, ":", number,
                 ": expected a JSON object with a string \"type\", got ", shown(line));
    add_record({.path = path, .line = number, .value = value, .type = type->get<std::string>()}, metrics);
  }
  return metrics;
}

// Steps per epoch: a step record of a later epoch says it exactly (the global steps before its
// epoch over the epochs before it); else the first epoch's end; else the most steps logged.
int64_t steps_per_epoch(const RawMetrics& m) {
  for (const auto& [global_step, s] : m.steps)
    if (s.epoch > 1 && global_step >= s.step) return std::max<int64_t>(1, (global_step - s.step) / (s.epoch - 1));
  for (const auto& [epoch, e] : m.epochs)
    if (m.epoch_step_known.contains(epoch) && e.global_step > 0) return std::max<int64_t>(1, e.global_step / epoch);
  int64_t most = 1;
  for (const auto& entry : m.steps) most = std::max(most, entry.second.step);
  return most;
}

json read_summary(const fs::path& path) {
  if (!fs::exists(path)) return nullptr;
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  json value = json::parse(text.str(), nullptr, false);
  MINNOW_CHECK(value.is_object(), "report: ", path.string(), ": expected one JSON object (summary.json), got ",
               shown(text.str()));
  return value;
}

std::string run_name(const fs::path& folder) {
  const fs::path normal = folder.lexically_normal();
  const fs::path name = normal.has_filename() ? normal.filename() : normal.parent_path().filename();
  return name.empty() ? folder.string() : name.string();
}

}  // namespace

RunData read_run(const std::string& folder) {
  const fs::path dir(folder);
  MINNOW_CHECK(fs::exists(dir), "report: run folder '", folder, "' does not exist");
  MINNOW_CHECK(fs::is_directory(dir), "report: '", folder,
               "' is not a folder; expected a run folder written by minnow train");
  for (const char* file : {"metrics.jsonl", "config.yaml"})
    MINNOW_CHECK(fs::exists(dir / file), "report: '", (dir / file).string(), "' does not exist; expected a run ",
                 "folder written by minnow train (config.yaml, metrics.jsonl)");
  RunData run;
  run.name = run_name(dir);
  run.folder = folder;
  run.config = load_config((dir / "config.yaml").string());
  const RawMetrics m = read_metrics((dir / "metrics.jsonl").string());
  run.steps_per_epoch = steps_per_epoch(m);
  const auto spe = static_cast<double>(run.steps_per_epoch);
  for (const auto& [global_step, s] : m.steps) {
    run.steps.push_back(s.point);
    run.steps.back().epoch = static_cast<double>(s.epoch - 1) + static_cast<double>(s.step) / spe;
  }
  for (const auto& [epoch, e] : m.epochs) {
    run.epochs.push_back(e);
    if (!m.epoch_step_known.contains(epoch)) run.epochs.back().global_step = epoch * run.steps_per_epoch;
  }
  run.summary = read_summary(dir / "summary.json");
  return run;
}

}  // namespace minnow::report
