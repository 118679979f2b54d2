// NetAdapt's latency lookup table: each conv and linear layer's batch-1 eval forward time on
// this CPU, measured alone (median of `runs` runs after a warm-up, at the current threads
// setting) at a grid of (input, output) channel counts: up to `samples` counts per dimension,
// spread evenly up to the layer's full count (a depthwise conv's one count serves both). A
// count between grid points is rounded up to the next one, so estimates err high. The table
// is cached as JSON, keyed by the CPU ("model name" of /proc/cpuinfo), oneDNN's ISA, the
// threads and the layers' full shapes; a cache whose key differs is measured anew.
#pragma once

#include <string>
#include <vector>

#include "train/adapt/layer_shapes.h"

namespace minnow {

struct LatencyTableOptions {
  int samples = 8;  // counts per dimension, at most
  int runs = 5;
};

class LatencyTable {
 public:
  // Reads `path` when its key matches this CPU and these layers (full, unpruned shapes),
  // else measures every layer and writes the table there.
  static LatencyTable load_or_measure(const std::string& path, const std::vector<LayerShape>& layers,
                                      const LatencyTableOptions& options);

  // Estimated milliseconds of the layers (shapes at or below the measured full ones): the
  // sum of their table entries. Throws naming a layer the table does not hold.
  double estimate_ms(const std::vector<LayerShape>& layers) const;

  bool measured() const { return measured_; }  // false when read from the cache
  int64_t measurements() const;                // table entries

  // The key's CPU part: "model name" from /proc/cpuinfo (or "unknown") and oneDNN's ISA.
  static std::string cpu_name();

 private:
  struct Entry {
    std::string name;
    std::vector<int64_t> in, out;  // sampled counts, ascending; depthwise: in == out
    std::vector<double> ms;        // [i * out.size() + j]; depthwise: [i]
    bool depthwise = false;
  };
  double lookup(const LayerShape& layer) const;

  std::vector<Entry> entries_;
  bool measured_ = false;
};

// The counts sampled for a dimension of `full` channels: up to `samples` values
// ceil(full * i / n), each rounded up to a multiple of `multiple`.
std::vector<int64_t> sampled_counts(int64_t full, int samples, int64_t multiple);

}  // namespace minnow
