// Top-k counting and the JSON-lines writer.
#include "train/metrics.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"

namespace minnow {

void Accuracy::add(const std::vector<float>& logits, const std::vector<int32_t>& labels, double mean_loss) {
  const size_t n = labels.size();
  MINNOW_CHECK(n > 0 && logits.size() % n == 0, "metrics: ", logits.size(), " logits for ", n, " labels");
  const size_t k = logits.size() / n;
  for (size_t i = 0; i < n; ++i) {
    const float* row = logits.data() + i * k;
    const float target = row[labels[i]];
    // Rank of the true class: classes scoring strictly higher, plus ties before it.
    size_t rank = 0;
    for (size_t j = 0; j < k; ++j)
      rank += row[j] > target || (row[j] == target && j < static_cast<size_t>(labels[i]));
    top1 += rank < 1;
    top5 += rank < 5;
  }
  count += static_cast<int64_t>(n);
  loss_sum += mean_loss * static_cast<double>(n);
}

MetricsLog::MetricsLog(const std::string& path) : path_(path), file_(std::fopen(path.c_str(), "a")) {
  MINNOW_CHECK(file_ != nullptr, "metrics: cannot open '", path, "' for appending: ", std::strerror(errno));
}

MetricsLog::~MetricsLog() { std::fclose(file_); }

void MetricsLog::write(const nlohmann::json& record) {
  const std::string line = record.dump() + "\n";
  MINNOW_CHECK(std::fwrite(line.data(), 1, line.size(), file_) == line.size() && std::fflush(file_) == 0,
               "metrics: writing '", path_, "' failed: ", std::strerror(errno));
}

void write_text_file(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    MINNOW_CHECK(out.is_open(), "cannot open '", tmp, "' for writing: ", std::strerror(errno));
    out << text;
    MINNOW_CHECK(out.good(), "writing '", tmp, "' failed: ", std::strerror(errno));
  }
  std::filesystem::rename(tmp, path);
}

}  // namespace minnow
