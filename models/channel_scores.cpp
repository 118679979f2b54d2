// unit_scores: each producer's filters read once as rows of its plain weight, scored per
// criterion in double, and summed per unit.
#include "models/channel_scores.h"

#include <cmath>
#include <map>

#include "core/error.h"
#include "models/layers.h"

namespace minnow {
namespace {

Tensor producer_weight(const GraphNode& node) {
  if (const auto* conv = layer_as<Conv2d>(node)) return conv->weight().data();
  if (const auto* linear = layer_as<Linear>(node)) return linear->weight().data();
  MINNOW_FAIL("channel scores: ", node.name, " is not a conv or linear layer");
}

// The producer's weight as rows, one per output channel: (out, in / groups * k * k) or (out, in).
std::vector<std::vector<double>> filter_rows(const GraphNode& node) {
  const Tensor weight = producer_weight(node);
  const std::vector<float> w = weight.to_plain();
  const int64_t out = weight.dim(0), row = static_cast<int64_t>(w.size()) / out;
  std::vector<std::vector<double>> rows(static_cast<size_t>(out));
  for (int64_t o = 0; o < out; ++o) rows[static_cast<size_t>(o)].assign(w.begin() + o * row, w.begin() + (o + 1) * row);
  return rows;
}

double norm(const std::vector<double>& r, bool squared_sum) {
  double s = 0.0;
  for (const double v : r) s += squared_sum ? v * v : std::abs(v);
  return squared_sum ? std::sqrt(s) : s;
}

std::vector<double> filter_scores(const GraphNode& node, PruneCriterion criterion) {
  const auto rows = filter_rows(node);
  std::vector<double> scores(rows.size(), 0.0);
  for (size_t o = 0; o < rows.size(); ++o) {
    if (criterion != PruneCriterion::fpgm) {
      scores[o] = norm(rows[o], criterion == PruneCriterion::l2);
      continue;
    }
    for (size_t j = 0; j < rows.size(); ++j) {
      if (j == o) continue;
      double d = 0.0;
      for (size_t i = 0; i < rows[o].size(); ++i) d += (rows[o][i] - rows[j][i]) * (rows[o][i] - rows[j][i]);
      scores[o] += std::sqrt(d);
    }
  }
  return scores;
}

}  // namespace

const char* criterion_name(PruneCriterion criterion) {
  switch (criterion) {
    case PruneCriterion::l1: return "l1";
    case PruneCriterion::l2: return "l2";
    case PruneCriterion::fpgm: return "fpgm";
  }
  return "?";
}

std::vector<double> unit_scores(const ChannelGroup& group, PruneCriterion criterion) {
  std::map<const GraphNode*, std::vector<double>> per_filter;
  for (const GraphNode* node : group.producers) per_filter[node] = filter_scores(*node, criterion);
  std::vector<double> scores;
  for (const auto& unit : group.units) {
    double s = 0.0;
    for (const auto& f : unit.filters) s += per_filter[f.node][static_cast<size_t>(f.channel)];
    scores.push_back(s);
  }
  return scores;
}

}  // namespace minnow
