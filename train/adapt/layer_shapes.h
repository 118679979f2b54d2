// The shape of every conv and linear layer of a model, with the channels a pruning would
// leave: what NetAdapt's resource estimates (Mult-Adds, the latency lookup table) read. A
// layer's input and output channels are the elements of its input and output values whose
// channel unit (models/channel_groups.h) is not marked removed; a depthwise conv's groups
// follow its channels, a grouped conv keeps its groups.
#pragma once

#include <string>
#include <vector>

#include "models/channel_groups.h"

namespace minnow {

struct LayerShape {
  std::string name;     // dotted module name
  bool linear = false;  // else a conv
  int64_t in = 0, out = 0;
  int64_t kernel = 1, stride = 1, padding = 0, dilation = 1, groups = 1;
  bool depthwise = false;  // groups == in == out, and stays so when pruned
  bool bias = false;
  int64_t in_h = 1, in_w = 1, out_h = 1, out_w = 1;  // conv: the traced image's sizes
};

// The layers of cg's graph, in execution order, with the units marked in removed (indexed
// like ChannelGraph::frozen) taken away.
std::vector<LayerShape> layer_shapes(const ChannelGraph& cg, const std::vector<bool>& removed);

// Mult-Adds of one image through the layer, as models/model_stats.h counts them.
int64_t layer_macs(const LayerShape& layer);

}  // namespace minnow
