// analyse_channels: a union-find over (value, channel) elements, joined by each node's
// channel rule; classes with their producers' filters become units, grouped by producers.
#include "models/channel_groups.h"

#include <map>
#include <numeric>

#include "core/error.h"
#include "models/layers.h"

namespace minnow {
namespace {

class Classes {
 public:
  explicit Classes(const InferenceGraph& graph) {
    for (const Dims& d : graph.dims) {
      offset_.push_back(size_);
      size_ += d.size() > 1 ? d[1] : 1;
    }
    frozen_ = size_++;  // one extra element: everything joined to it is frozen
    parent_.resize(static_cast<size_t>(size_));
    std::iota(parent_.begin(), parent_.end(), 0);
  }
  int64_t element(int value, int64_t channel) const { return offset_[static_cast<size_t>(value)] + channel; }
  int64_t frozen() const { return frozen_; }
  int64_t size() const { return size_; }
  int64_t find(int64_t e) {
    auto i = static_cast<size_t>(e);
    while (parent_[i] != static_cast<int64_t>(i)) {
      parent_[i] = parent_[static_cast<size_t>(parent_[i])];  // path halving
      i = static_cast<size_t>(parent_[i]);
    }
    return static_cast<int64_t>(i);
  }
  void join(int64_t a, int64_t b) {
    a = find(a), b = find(b);
    if (a != b) parent_[static_cast<size_t>(std::max(a, b))] = std::min(a, b);  // the lower element is the root
  }

 private:
  std::vector<int64_t> offset_, parent_;
  int64_t size_ = 0, frozen_ = 0;
};

int64_t channels(const InferenceGraph& g, int v) { return g.dims[static_cast<size_t>(v)][1]; }

// Joins channel c of a and b for every c; both must have as many channels.
void join_channelwise(Classes& k, const InferenceGraph& g, int a, int b, const GraphNode& node) {
  MINNOW_CHECK(channels(g, a) == channels(g, b), "channel analysis: ", node.name, " maps ", channels(g, a),
               " channels to ", channels(g, b));
  for (int64_t c = 0; c < channels(g, a); ++c) k.join(k.element(a, c), k.element(b, c));
}

// A conv of `groups` groups: a depthwise one (one input channel per group) keeps its groups'
// channels together; another grouped one keeps each in-group index in every group, so that all
// groups shrink alike; a plain one (groups 1) joins nothing.
void join_conv(Classes& k, const InferenceGraph& g, const GraphNode& node, const Conv2d& conv) {
  const int64_t groups = conv.options().groups;
  if (groups == 1) return;
  const int in = node.inputs[0], out = node.outputs[0];
  const int64_t a = channels(g, in) / groups, b = channels(g, out) / groups;
  if (a == 1) {
    for (int64_t gi = 0; gi < groups; ++gi)
      for (int64_t r = 0; r < b; ++r) k.join(k.element(in, gi), k.element(out, gi * b + r));
    return;
  }
  for (int64_t gi = 1; gi < groups; ++gi) {
    for (int64_t j = 0; j < a; ++j) k.join(k.element(in, j), k.element(in, gi * a + j));
    for (int64_t r = 0; r < b; ++r) k.join(k.element(out, r), k.element(out, gi * b + r));
  }
}

bool is_producer(const GraphNode& node) {
  if (layer_as<Linear>(node)) return true;
  const auto* conv = layer_as<Conv2d>(node);  // not a depthwise one: its channels follow its input's
  return conv && (conv->options().groups == 1 || conv->options().in / conv->options().groups > 1);
}

void join_layer(Classes& k, const InferenceGraph& g, const GraphNode& node) {
  const int in = node.inputs[0], out = node.outputs[0];
  if (const auto* conv = layer_as<Conv2d>(node)) return join_conv(k, g, node, *conv);
  if (layer_as<Linear>(node)) return;
  if (layer_as<BatchNorm2d>(node) || layer_as<Activation>(node) || layer_as<MaxPool2d>(node) ||
      layer_as<AvgPool2d>(node) || layer_as<GlobalAvgPool>(node))
    return join_channelwise(k, g, in, out, node);
  if (layer_as<Flatten>(node)) {  // (N, C, H, W) -> (N, C H W): channel c becomes H W features
    const int64_t per = channels(g, out) / channels(g, in);
    for (int64_t f = 0; f < channels(g, out); ++f) k.join(k.element(out, f), k.element(in, f / per));
    return;
  }
  MINNOW_FAIL("channel analysis: ", node.name, " is a ", node.module->type(),
              ", which has no channel rule (channel pruning takes a float model: prune before QAT)");
}

// A concat or split on the channel axis: the channels of `whole` are those of `parts`, one
// part after the other.
void join_stacked(Classes& k, const InferenceGraph& g, int whole, const std::vector<int>& parts,
                  const GraphNode& node) {
  MINNOW_CHECK(node.attr == 1, "channel analysis: ", node.name, " stacks on axis ", node.attr,
               "; expected the channel axis 1");
  int64_t offset = 0;
  for (const int part : parts)
    for (int64_t c = 0; c < channels(g, part); ++c) k.join(k.element(whole, offset++), k.element(part, c));
}

void join_op(Classes& k, const InferenceGraph& g, const GraphNode& node) {
  using Op = GraphNode::Op;
  const int out = node.outputs[0];
  switch (node.op) {
    case Op::layer: return join_layer(k, g, node);
    case Op::add:
    case Op::mul:  // an SE gate (N, C, 1, 1) scales the same channels; a (N, 1, ...) factor joins nothing
      for (const int in : node.inputs)
        if (channels(g, in) == channels(g, out)) join_channelwise(k, g, in, out, node);
      return;
    case Op::concat:
      return join_stacked(k, g, out, node.inputs, node);
    case Op::split:
      return join_stacked(k, g, node.inputs[0], node.outputs, node);
    case Op::channel_shuffle: {  // out[j g + i] = in[i C / g + j]; column j of every group goes together
      const int in = node.inputs[0];
      const int64_t groups = node.attr, per = channels(g, in) / groups;
      for (int64_t j = 0; j < per; ++j)
        for (int64_t i = 0; i < groups; ++i) {
          k.join(k.element(out, j * groups + i), k.element(in, i * per + j));
          k.join(k.element(in, j), k.element(in, i * per + j));
        }
      return;
    }
  }
}

// Every conv, BN and linear layer of the model must be a node once: a layer outside the
// eval forward, or run twice, would keep shapes that no longer fit.
void check_layers_covered(Module& model, const InferenceGraph& g) {
  std::map<const Module*, int> runs;
  for (const auto& node : g.nodes)
    if (node.op == GraphNode::Op::layer) ++runs[node.module];
  for (const auto& [name, m] : model.named_modules()) {
    if (!dynamic_cast<Conv2d*>(m) && !dynamic_cast<BatchNorm2d*>(m) && !dynamic_cast<Linear*>(m)) continue;
    MINNOW_CHECK(runs[m] == 1, "channel analysis: ", name, " (", m->type(), ") runs ", runs[m],
                 " time(s) in the model's eval forward; channel pruning needs every layer to run exactly once");
  }
}

}  // namespace

ChannelGraph analyse_channels(Module& model, const Dims& input_dims) {
  const bool training = model.training();
  ChannelGraph out{
      .graph = trace_inference_graph(model, input_dims), .unit_of = {}, .groups = {}, .frozen = {}, .spread = {}};
  model.train(training);
  const InferenceGraph& g = out.graph;
  check_layers_covered(model, g);
  Classes k(g);
  for (const auto& node : g.nodes) join_op(k, g, node);
  for (const int v : {g.input, g.output})
    for (int64_t c = 0; c < channels(g, v); ++c) k.join(k.element(v, c), k.frozen());

  // Number the classes densely, and list each class's filters.
  std::map<int64_t, int> dense;
  auto id_of = [&](int64_t element) {
    const auto [it, fresh] = dense.emplace(k.find(element), static_cast<int>(dense.size()));
    return it->second;
  };
  const int frozen_id = id_of(k.frozen());
  out.unit_of.resize(g.dims.size());
  for (size_t v = 0; v < g.dims.size(); ++v)
    for (int64_t c = 0; c < channels(g, static_cast<int>(v)); ++c)
      out.unit_of[v].push_back(id_of(k.element(static_cast<int>(v), c)));
  std::vector<std::vector<UnitFilter>> filters(dense.size());
  for (const auto& node : g.nodes) {
    if (!is_producer(node)) continue;
    const auto& classes = out.unit_of[static_cast<size_t>(node.outputs[0])];
    for (int64_t c = 0; c < static_cast<int64_t>(classes.size()); ++c)
      filters[static_cast<size_t>(classes[static_cast<size_t>(c)])].push_back({&node, c});
  }
  out.frozen.assign(dense.size(), false);
  out.frozen[static_cast<size_t>(frozen_id)] = true;
  out.spread.resize(dense.size());
  for (size_t v = 0; v < out.unit_of.size(); ++v)
    for (const int id : out.unit_of[v]) {
      auto& s = out.spread[static_cast<size_t>(id)];
      if (s.empty() || s.back().first != static_cast<int>(v)) s.emplace_back(static_cast<int>(v), 0);
      ++s.back().second;
    }

  // Group the free classes by their first producer (a class no conv or linear makes stays as it
  // is): the units of one layer, whatever else each of them also removes.
  std::map<const GraphNode*, size_t> group_of;
  for (int id = 0; id < static_cast<int>(dense.size()); ++id) {
    auto& f = filters[static_cast<size_t>(id)];
    if (out.frozen[static_cast<size_t>(id)] || f.empty()) {
      out.frozen[static_cast<size_t>(id)] = true;
      continue;
    }
    const GraphNode* first = std::min_element(f.begin(), f.end(), [](const UnitFilter& a, const UnitFilter& b) {
                               return a.node < b.node;  // nodes sit in a vector in graph order
                             })->node;
    const auto [it, fresh] = group_of.emplace(first, out.groups.size());
    if (fresh) out.groups.push_back({.name = first->name, .producers = {}, .units = {}});
    ChannelGroup& group = out.groups[it->second];
    for (const auto& filter : f)
      if (std::find(group.producers.begin(), group.producers.end(), filter.node) == group.producers.end())
        group.producers.push_back(filter.node);
    group.units.push_back({.id = id, .filters = std::move(f)});
  }
  for (auto& group : out.groups) {
    std::sort(group.producers.begin(), group.producers.end());
    auto first_channel = [&](const ChannelUnit& u) {
      int64_t best = INT64_MAX;
      for (const auto& f : u.filters)
        if (f.node == group.producers[0]) best = std::min(best, f.channel);
      return best;
    };
    std::sort(group.units.begin(), group.units.end(),
              [&](const ChannelUnit& a, const ChannelUnit& b) { return first_channel(a) < first_channel(b); });
    auto leader_channels = [&](const ChannelUnit& u) {
      return std::count_if(u.filters.begin(), u.filters.end(),
                           [&](const UnitFilter& f) { return f.node == group.producers[0]; });
    };
    group.channels_per_unit = leader_channels(group.units[0]);
    for (const auto& unit : group.units)
      MINNOW_CHECK(leader_channels(unit) == group.channels_per_unit, "channel analysis: the units of ", group.name,
                   " hold ", leader_channels(unit), " and ", group.channels_per_unit, " of its channels; expected equal");
  }
  std::sort(out.groups.begin(), out.groups.end(),
            [](const ChannelGroup& a, const ChannelGroup& b) { return a.producers[0] < b.producers[0]; });
  return out;
}

}  // namespace minnow
