// The records and folders of report_runs.h.
#include "tests/train/report_runs.h"

#include "tests/data/data_files.h"

namespace minnow::test_support {

using nlohmann::json;

std::string run_config_yaml(const std::string& extra) {
  return "model: {name: mobilenet_v1, width: 0.25, resolution: 16, num_classes: 4, in_channels: 1, "
         "small_input: true}\n"
         "data: {format: idx, train: [/nonexistent-minnow-data]}\n"
         "epochs: 3\n" + extra;
}

json step_record(int epoch, int step, int global_step, double lr, double loss, double train_top1) {
  return {{"epoch", epoch}, {"lr", lr}, {"loss", loss}, {"train_top1", train_top1}, {"images_per_second", 100.0},
          {"type", "step"}, {"step", step}, {"global_step", global_step}};
}

json train_epoch_record(int epoch, int global_step, double loss, double top1) {
  return {{"type", "train_epoch"}, {"epoch", epoch}, {"global_step", global_step}, {"loss", loss}, {"top1", top1},
          {"top5", 100.0}, {"seconds", 1.5}, {"skipped_images", 0}};
}

json eval_epoch_record(int epoch, int global_step, double loss, double top1) {
  return {{"type", "eval_epoch"}, {"epoch", epoch}, {"global_step", global_step}, {"loss", loss}, {"top1", top1},
          {"top5", 100.0}, {"images", 32}};
}

std::string write_run_folder(const std::filesystem::path& folder, const std::string& config_yaml,
                             const std::vector<std::string>& metrics_lines) {
  std::filesystem::create_directories(folder);
  testing::write_text(folder / "config.yaml", config_yaml);
  std::string text;
  for (const std::string& line : metrics_lines) text += line + "\n";
  testing::write_text(folder / "metrics.jsonl", text);
  return folder.string();
}

std::vector<std::string> two_epoch_metrics(double scale) {
  return {step_record(1, 2, 2, 0.1, 2.0 * scale, 30).dump(),    step_record(1, 4, 4, 0.08, 1.6 * scale, 40).dump(),
          train_epoch_record(1, 4, 1.7 * scale, 40).dump(),     eval_epoch_record(1, 4, 1.5 * scale, 45).dump(),
          step_record(2, 2, 6, 0.05, 1.2 * scale, 55).dump(),   step_record(2, 4, 8, 0.01, 1.0 * scale, 60).dump(),
          train_epoch_record(2, 8, 1.1 * scale, 60).dump(),     eval_epoch_record(2, 8, 1.0 * scale, 62.5).dump()};
}

}  // namespace minnow::test_support
