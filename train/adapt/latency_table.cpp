// LatencyTable: measure each layer alone at sampled channel counts; cache as JSON.
#include "train/adapt/latency_table.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/compute_type.h"
#include "core/engine.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "models/layers.h"
#include "train/metrics.h"

namespace minnow {
namespace {

using nlohmann::json;

// What makes two tables interchangeable: the layer's full shape and geometry.
std::string signature(const LayerShape& l) {
  std::string s = l.name + (l.linear ? " linear " : " conv ") + std::to_string(l.in) + "x" + std::to_string(l.out);
  if (!l.linear) {
    s += " k" + std::to_string(l.kernel) + " s" + std::to_string(l.stride) + " p" + std::to_string(l.padding) + " d" +
         std::to_string(l.dilation) + " g" + (l.depthwise ? std::string("dw") : std::to_string(l.groups)) + " " +
         std::to_string(l.in_h) + "x" + std::to_string(l.in_w);
  }
  return s + (l.bias ? " bias" : "");
}

json table_key(const std::vector<LayerShape>& layers) {
  json signatures = json::array();
  for (const auto& l : layers) signatures.push_back(signature(l));
  return {
      {"cpu", LatencyTable::cpu_name()}, {"isa", cpu_isa_name()}, {"threads", num_threads()}, {"layers", signatures}};
}

// Median milliseconds of one batch-1 eval forward of the layer at (in, out) channels.
double time_layer(const LayerShape& l, int64_t in, int64_t out, int runs) {
  std::unique_ptr<Module> layer;
  Dims x_dims;  // (1, in, H, W) or (1, in)
  if (l.linear) {
    layer = std::make_unique<Linear>(Linear::Options{.in = in, .out = out, .bias = l.bias});
    x_dims = {1, in};
  } else {
    layer = std::make_unique<Conv2d>(Conv2d::Options{.in = in,
                                                     .out = out,
                                                     .kernel = l.kernel,
                                                     .stride = l.stride,
                                                     .padding = l.padding,
                                                     .dilation = l.dilation,
                                                     .groups = l.depthwise ? in : l.groups,
                                                     .bias = l.bias});
    x_dims = {1, in, l.in_h, l.in_w};
  }
  layer->eval();
  const NoGrad no_grad;
  const Var x(Tensor::full(x_dims, 0.5f));
  (void)layer->forward(x).data();  // warm-up: the primitive is built and cached
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    (void)layer->forward(x).data();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::nth_element(ms.begin(), ms.begin() + static_cast<long>(ms.size() / 2), ms.end());
  return ms[ms.size() / 2];
}

// The smallest sampled count at or above n (the last when none is).
size_t round_up(const std::vector<int64_t>& counts, int64_t n) {
  const auto it = std::lower_bound(counts.begin(), counts.end(), n);
  return it == counts.end() ? counts.size() - 1 : static_cast<size_t>(it - counts.begin());
}

}  // namespace

std::vector<int64_t> sampled_counts(int64_t full, int samples, int64_t multiple) {
  const int64_t n = std::min<int64_t>(full, samples);
  std::vector<int64_t> counts;
  for (int64_t i = 1; i <= n; ++i) {
    int64_t c = (full * i + n - 1) / n;
    c = std::min(full, (c + multiple - 1) / multiple * multiple);
    if (counts.empty() || counts.back() != c) counts.push_back(c);
  }
  return counts;
}

std::string LatencyTable::cpu_name() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("model name")) continue;
    const size_t colon = line.find(':');
    if (colon != std::string::npos) return line.substr(line.find_first_not_of(' ', colon + 1));
  }
  return "unknown";
}

LatencyTable LatencyTable::load_or_measure(const std::string& path, const std::vector<LayerShape>& layers,
                                           const LatencyTableOptions& options) {
  MINNOW_CHECK(options.samples >= 2, "latency table: samples: expected at least 2, got ", options.samples);
  MINNOW_CHECK(options.runs >= 1, "latency table: runs: expected at least 1, got ", options.runs);
  const json key = table_key(layers);
  LatencyTable table;
  if (std::filesystem::exists(path)) {
    std::ifstream in(path);
    const json cached = json::parse(in, nullptr, /*allow_exceptions=*/false);
    if (cached.is_object() && cached.value("key", json()) == key) {
      for (const auto& e : cached["entries"]) {
        table.entries_.push_back(
            {.name = e["name"], .in = e["in"], .out = e["out"], .ms = e["ms"], .depthwise = e["depthwise"]});
      }
      return table;
    }
  }
  table.measured_ = true;
  json entries = json::array();
  for (const auto& l : layers) {
    const int64_t multiple = l.linear || l.depthwise ? 1 : l.groups;
    Entry e{.name = l.name,
            .in = sampled_counts(l.in, options.samples, multiple),
            .out = {},
            .ms = {},
            .depthwise = l.depthwise};
    e.out = l.depthwise ? e.in : sampled_counts(l.out, options.samples, multiple);
    for (const int64_t in : e.in) {
      if (l.depthwise) {
        e.ms.push_back(time_layer(l, in, in, options.runs));
        continue;
      }
      for (const int64_t out : e.out) e.ms.push_back(time_layer(l, in, out, options.runs));
    }
    entries.push_back({{"name", e.name}, {"in", e.in}, {"out", e.out}, {"ms", e.ms}, {"depthwise", e.depthwise}});
    table.entries_.push_back(std::move(e));
  }
  write_text_file(path, json{{"key", key}, {"entries", entries}}.dump(1) + "\n");
  return table;
}

int64_t LatencyTable::measurements() const {
  int64_t n = 0;
  for (const auto& e : entries_) n += static_cast<int64_t>(e.ms.size());
  return n;
}

double LatencyTable::lookup(const LayerShape& l) const {
  const auto it = std::find_if(entries_.begin(), entries_.end(), [&](const Entry& e) { return e.name == l.name; });
  MINNOW_CHECK(it != entries_.end(), "latency table: expected an entry for layer ", l.name, ", found none");
  const size_t i = round_up(it->in, l.in);
  return it->depthwise ? it->ms[i] : it->ms[i * it->out.size() + round_up(it->out, l.out)];
}

double LatencyTable::estimate_ms(const std::vector<LayerShape>& layers) const {
  double ms = 0;
  for (const auto& l : layers) ms += lookup(l);
  return ms;
}

}  // namespace minnow
