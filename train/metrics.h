// Accuracy bookkeeping and the run folder's metrics.jsonl: one JSON object per
// line, flushed as written, so a crashed run keeps everything it logged.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "core/tensor.h"

namespace minnow {

// Running loss, top-1 and top-5 over the batches seen so far.
struct Accuracy {
  double loss_sum = 0;  // sum over images of the per-image loss
  int64_t top1 = 0, top5 = 0, count = 0;

  // logits (N, K) plain values, the batch's mean loss.
  void add(const std::vector<float>& logits, const std::vector<int32_t>& labels, double mean_loss);
  double loss() const { return count ? loss_sum / static_cast<double>(count) : 0.0; }
  double top1_percent() const { return count ? 100.0 * static_cast<double>(top1) / static_cast<double>(count) : 0.0; }
  double top5_percent() const { return count ? 100.0 * static_cast<double>(top5) / static_cast<double>(count) : 0.0; }
};

class MetricsLog {
 public:
  // Appends to path (a resumed run continues the same file).
  explicit MetricsLog(const std::string& path);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;
  void write(const nlohmann::json& record);

 private:
  std::string path_;
  std::FILE* file_;
};

// Writes text to path through a temporary file and a rename.
void write_text_file(const std::string& path, const std::string& text);

}  // namespace minnow
