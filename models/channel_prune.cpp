// prune_channels and apply_channel_plan choose which units go; remove_units rebuilds every
// layer from the kept channels of the values it reads and writes.
#include "models/channel_prune.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <numeric>

#include "core/error.h"
#include "models/layers.h"

namespace minnow {
namespace {

std::vector<int64_t> kept_channels(const ChannelGraph& cg, int value, const std::vector<bool>& removed) {
  std::vector<int64_t> kept;
  const auto& classes = cg.unit_of[static_cast<size_t>(value)];
  for (size_t c = 0; c < classes.size(); ++c)
    if (!removed[static_cast<size_t>(classes[c])]) kept.push_back(static_cast<int64_t>(c));
  return kept;
}

bool excluded(const ChannelGroup& group, const std::vector<std::string>& exclude) {
  for (const GraphNode* p : group.producers)
    for (const auto& e : exclude)
      if (p->name == e || p->name.starts_with(e + ".")) return true;
  return false;
}

// The channels each value keeps of group's units when `kept` ([unit]) says which stay.
std::map<int, int64_t> channels_per_value(const ChannelGraph& cg, const ChannelGroup& group,
                                          const std::vector<bool>& kept) {
  std::map<int, int64_t> out;
  for (size_t u = 0; u < group.units.size(); ++u)
    for (const auto& [v, n] : cg.spread[static_cast<size_t>(group.units[u].id)])
      if (kept[u]) out[v] += n;
  return out;
}

// Hex digits of a unit mask, four units each, unit 4 i + j as bit j of digit i.
std::string to_hex(const std::vector<bool>& kept) {
  std::string hex;
  for (size_t i = 0; i < kept.size(); i += 4) {
    int digit = 0;
    for (size_t j = 0; j < 4 && i + j < kept.size(); ++j) digit |= kept[i + j] ? 1 << j : 0;
    hex += "0123456789abcdef"[digit];
  }
  return hex;
}

// The unit mask of hex for n units, or an empty vector when hex is not one.
std::vector<bool> from_hex(const std::string& hex, size_t n) {
  if (hex.size() != (n + 3) / 4) return {};
  std::vector<bool> kept(n, false);
  for (size_t i = 0; i < hex.size(); ++i) {
    const auto digit = std::string("0123456789abcdef").find(hex[i]);
    if (digit == std::string::npos) return {};
    for (size_t j = 0; j < 4; ++j) {
      if (i * 4 + j < n) kept[i * 4 + j] = (digit >> j) & 1;
      else if ((digit >> j) & 1) return {};
    }
  }
  return kept;
}

}  // namespace

std::string plan_entry(const ChannelGraph& cg, const ChannelGroup& group, const std::vector<bool>& removed) {
  std::vector<bool> kept(group.units.size());
  size_t count = 0;
  for (size_t u = 0; u < kept.size(); ++u) count += kept[u] = !removed[static_cast<size_t>(group.units[u].id)];
  std::vector<bool> first(kept.size(), false);
  std::fill_n(first.begin(), count, true);
  std::string entry = group.name;
  entry.append(":").append(std::to_string(static_cast<int64_t>(count) * group.channels_per_unit));
  if (channels_per_value(cg, group, kept) != channels_per_value(cg, group, first)) entry.append(":").append(to_hex(kept));
  return entry;
}

int64_t remove_in_order(const ChannelGraph& cg, const ChannelGroup& group, std::span<const size_t> order,
                        int64_t count, std::vector<bool>& removed) {
  std::vector<int64_t> kept(cg.graph.dims.size(), 0);  // [value]: channels still there
  for (size_t v = 0; v < kept.size(); ++v)
    for (const int id : cg.unit_of[v]) kept[v] += !removed[static_cast<size_t>(id)];
  int64_t done = 0;
  for (const size_t u : order) {
    if (done == count) break;
    const auto id = static_cast<size_t>(group.units[u].id);
    if (removed[id]) continue;
    const auto& spread = cg.spread[id];
    if (std::any_of(spread.begin(), spread.end(), [&](const auto& s) { return kept[static_cast<size_t>(s.first)] <= s.second; }))
      continue;
    for (const auto& [v, n] : spread) kept[static_cast<size_t>(v)] -= n;
    removed[id] = true;
    ++done;
  }
  return done;
}

std::vector<std::string> merge_channel_plans(std::span<const std::string> earlier, std::span<const std::string> later) {
  const auto layer = [](const std::string& entry) { return entry.substr(0, entry.find(':')); };
  std::vector<std::string> merged;
  for (const auto& e : earlier) {
    const bool replaced = std::any_of(later.begin(), later.end(), [&](const std::string& l) { return layer(l) == layer(e); });
    if (!replaced) merged.push_back(e);
  }
  merged.insert(merged.end(), later.begin(), later.end());
  return merged;
}

Dims plan_input_dims(int64_t in_channels, bool small_input) { return {1, in_channels, small_input ? 32 : 224, small_input ? 32 : 224}; }

void remove_units(const ChannelGraph& cg, const std::vector<bool>& removed) {
  for (const auto& node : cg.graph.nodes) {
    if (node.op != GraphNode::Op::layer) continue;
    const std::vector<int64_t> in = kept_channels(cg, node.inputs[0], removed);
    const std::vector<int64_t> out = kept_channels(cg, node.outputs[0], removed);
    const auto all = [&](const std::vector<int64_t>& kept, int v) {
      return static_cast<int64_t>(kept.size()) == cg.graph.dims[static_cast<size_t>(v)][1];
    };
    if (all(in, node.inputs[0]) && all(out, node.outputs[0])) continue;
    if (auto* conv = layer_as<Conv2d>(node)) conv->keep_channels(out, in);
    if (auto* bn = layer_as<BatchNorm2d>(node)) bn->keep_channels(out);
    if (auto* linear = layer_as<Linear>(node)) linear->keep_features(out, in);
  }
}

ChannelPruneResult select_units(const ChannelGraph& cg, const ChannelPruneOptions& options) {
  MINNOW_CHECK(options.ratio >= 0.0 && options.ratio < 1.0, "--ratio: expected a share in [0, 1), got ",
               options.ratio);
  for (const auto& e : options.exclude) {
    const bool found = std::any_of(cg.graph.nodes.begin(), cg.graph.nodes.end(), [&](const GraphNode& n) {
      return n.op == GraphNode::Op::layer && (n.name == e || n.name.starts_with(e + "."));
    });
    MINNOW_CHECK(found, "--exclude: expected a layer of the model (a dotted name such as ",
                 cg.groups.empty() ? "features.0" : cg.groups[0].name, "), got '", e, "'");
  }
  ChannelPruneResult result{.plan = {}, .removed = std::vector<bool>(cg.frozen.size(), false)};
  for (const auto& group : cg.groups) {
    const auto n = static_cast<int64_t>(group.units.size());
    result.units_total += n;
    if (excluded(group, options.exclude)) continue;
    const auto drop = static_cast<int64_t>(std::llround(options.ratio * static_cast<double>(n)));
    MINNOW_CHECK(drop < n, "--ratio: ", options.ratio, " would remove all ", n, " channel unit(s) of ", group.name,
                 "; expected a ratio below ", (static_cast<double>(n) - 0.5) / static_cast<double>(n),
                 " or --exclude ", group.name);
    const std::vector<double> scores = unit_scores(group, options.criterion);
    std::vector<size_t> order(group.units.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return scores[a] < scores[b]; });
    const int64_t done = remove_in_order(cg, group, order, drop, result.removed);
    result.units_removed += done;
    if (done > 0) result.plan.push_back(plan_entry(cg, group, result.removed));
  }
  return result;
}

ChannelPruneResult prune_channels(Module& model, const Dims& input_dims, const ChannelPruneOptions& options) {
  const ChannelGraph cg = analyse_channels(model, input_dims);
  ChannelPruneResult result = select_units(cg, options);
  remove_units(cg, result.removed);
  return result;
}

void apply_channel_plan(Module& model, const Dims& input_dims, std::span<const std::string> plan,
                        const std::string& source) {
  if (plan.empty()) return;
  const ChannelGraph cg = analyse_channels(model, input_dims);
  std::map<std::string, const ChannelGroup*> by_name;
  for (const auto& group : cg.groups) by_name[group.name] = &group;
  std::vector<bool> removed(cg.frozen.size(), false);
  for (const std::string& entry : plan) {
    const size_t colon = entry.find(':'), mask_colon = entry.find(':', colon + 1);
    const std::string count_text =
        colon == std::string::npos ? "" : entry.substr(colon + 1, mask_colon == std::string::npos ? std::string::npos
                                                                                                   : mask_colon - colon - 1);
    int64_t count = -1;
    const char* end = count_text.data() + count_text.size();
    const bool number = !count_text.empty() && std::from_chars(count_text.data(), end, count).ptr == end;
    MINNOW_CHECK(number, source, ": expected entries 'layer:channels' or 'layer:channels:unitmask', got '", entry, "'");
    const std::string name = entry.substr(0, colon);
    const auto it = by_name.find(name);
    MINNOW_CHECK(it != by_name.end(), source, ": '", name, "' is not the first layer of a prunable channel group of ",
                 "this model (the first is ", cg.groups.empty() ? "none" : cg.groups[0].name, ")");
    const ChannelGroup& group = *it->second;
    const int64_t full = static_cast<int64_t>(group.units.size()) * group.channels_per_unit;
    MINNOW_CHECK(count >= group.channels_per_unit && count <= full && count % group.channels_per_unit == 0, source,
                 ": ", name, " expected a multiple of ", group.channels_per_unit, " in [", group.channels_per_unit,
                 ", ", full, "] channels, got ", count);
    std::vector<bool> kept(group.units.size(), false);
    std::fill_n(kept.begin(), count / group.channels_per_unit, true);
    if (mask_colon != std::string::npos) {
      kept = from_hex(entry.substr(mask_colon + 1), group.units.size());
      MINNOW_CHECK(static_cast<int64_t>(std::count(kept.begin(), kept.end(), true)) * group.channels_per_unit == count,
                   source, ": ", name, " expected a mask of ", (group.units.size() + 3) / 4,
                   " hex digits keeping ", count / group.channels_per_unit, " of its ", group.units.size(),
                   " units, got '", entry.substr(mask_colon + 1), "'");
    }
    for (size_t u = 0; u < kept.size(); ++u)
      if (!kept[u]) removed[static_cast<size_t>(group.units[u].id)] = true;
  }
  remove_units(cg, removed);
}

}  // namespace minnow
