// Run folders for the report tests, written the way `minnow train` writes them: config.yaml
// and metrics.jsonl (one JSON record a line: "step", "train_epoch", "eval_epoch", ...).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace minnow::test_support {

// A small model config as config.yaml holds it; extra is appended (distill:, qat: sections).
std::string run_config_yaml(const std::string& extra = "");

// A "step" record as Trainer::log_step writes it (epoch 1-based, step = steps done in it).
nlohmann::json step_record(int epoch, int step, int global_step, double lr, double loss, double train_top1);
// "train_epoch" and "eval_epoch" records of a finished epoch.
nlohmann::json train_epoch_record(int epoch, int global_step, double loss, double top1);
nlohmann::json eval_epoch_record(int epoch, int global_step, double loss, double top1);

// folder/config.yaml and folder/metrics.jsonl (each line as given); returns folder as a string.
std::string write_run_folder(const std::filesystem::path& folder, const std::string& config_yaml,
                             const std::vector<std::string>& metrics_lines);

// Two epochs of four steps, logged every second step, both evaluated: lines for write_run_folder.
std::vector<std::string> two_epoch_metrics(double scale = 1.0);

}  // namespace minnow::test_support
