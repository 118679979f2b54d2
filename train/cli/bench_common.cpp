// The benches' shared helpers: random batches, medians, peak RSS.
#include "train/cli/bench_common.h"

#include <sys/resource.h>

#include <algorithm>

namespace minnow::cli {

Tensor random_images(const InferenceBenchArgs& a, Rng& rng) {
  const Dims dims{a.batch, a.spec.in_channels, a.resolution, a.resolution};
  std::vector<float> pixels(static_cast<size_t>(product(dims)));
  rng.fill_normal(pixels, 0.0f, 1.0f);
  return Tensor::from_plain(dims, pixels);
}

std::vector<int32_t> random_labels(const InferenceBenchArgs& a, Rng& rng) {
  std::vector<int32_t> labels(static_cast<size_t>(a.batch));
  for (auto& label : labels) label = static_cast<int32_t>(rng.below(static_cast<uint64_t>(a.spec.num_classes)));
  return labels;
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB on Linux
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t mid = values.size() / 2;
  return values.size() % 2 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
}

}  // namespace minnow::cli
