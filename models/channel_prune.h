// Structured channel pruning that ends in an ordinary, smaller model: the lowest-scoring units
// (models/channel_groups.h, channel_scores.h) of every group are removed and each conv, BN and
// linear layer is rebuilt with the channels that remain (Conv2d::keep_channels, ...).
// A channel plan is how ModelSpec::channels rebuilds the same shapes from the zoo: entries
// "layer:channels" name a group by its first producer and give that producer's output channels,
// kept as the group's first units; "layer:channels:unitmask" says which units stay (hex, unit
// 4 i + j as bit j of digit i), written where the first units would give some value another
// width (ShuffleNet v2's split halves).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "models/channel_scores.h"

namespace minnow {

struct ChannelPruneOptions {
  double ratio = 0.0;  // share of each group's units removed, rounded to the nearest unit; in [0, 1)
  PruneCriterion criterion = PruneCriterion::l1;
  std::vector<std::string> exclude{};  // layers (dotted names or their prefixes) whose groups stay whole
};

struct ChannelPruneResult {
  std::vector<std::string> plan;  // an entry for each group that lost units
  std::vector<bool> removed;      // [class] of the analysed ChannelGraph
  int64_t units_removed = 0, units_total = 0;
};

// Which units of cg's groups go, by their scores, without removing them.
ChannelPruneResult select_units(const ChannelGraph& cg, const ChannelPruneOptions& options);

// Prunes model in place; input_dims (N, C, H, W) is what it is traced on. A ratio that would
// remove every unit of a group is an error naming the group and the largest ratio it allows.
ChannelPruneResult prune_channels(Module& model, const Dims& input_dims, const ChannelPruneOptions& options);

// Rebuilds a model fresh from the zoo to a plan's shapes, each group keeping its first units;
// groups the plan does not name stay whole. `source` ("model.channels") starts every message.
void apply_channel_plan(Module& model, const Dims& input_dims, std::span<const std::string> plan,
                        const std::string& source);

// The plan entry of group when the classes in `removed` go: with a unit mask only when needed.
std::string plan_entry(const ChannelGraph& cg, const ChannelGroup& group, const std::vector<bool>& removed);

// Removes up to `count` units of group into `removed`, in `order` (indices into group.units,
// the first to go first), passing over a unit whose removal would leave some value of the
// graph without channels (one of ShuffleNet v2's split halves); returns how many went.
int64_t remove_in_order(const ChannelGraph& cg, const ChannelGroup& group, std::span<const size_t> order,
                        int64_t count, std::vector<bool>& removed);

// A model pruned twice: the later entries replace the earlier ones of the same group.
std::vector<std::string> merge_channel_plans(std::span<const std::string> earlier, std::span<const std::string> later);

// Removes the classes marked in `removed` (indexed like ChannelGraph::frozen) from every layer.
void remove_units(const ChannelGraph& channels, const std::vector<bool>& removed);

// The trace input apply_channel_plan is given by the zoo: one image of in_channels at 32 px
// when small_input, else 224 px.
Dims plan_input_dims(int64_t in_channels, bool small_input);

}  // namespace minnow
