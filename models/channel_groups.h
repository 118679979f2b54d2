// Which channels of a model can only be removed together. Every channel of every value in
// the inference graph (models/graph.h) is an element; a layer or op that maps channels one to
// one (BN, activations, pooling, depthwise convs, residual adds, SE products, concat, split,
// channel shuffle) joins its input and output elements, so a class is one prunable unit:
// say, channel 5 of every conv that feeds one residual sum, with the BNs and depthwise convs
// that follow them. A conv or linear layer starts fresh classes: it is a unit's producer,
// whose filters are scored and removed. Units touching the model's input or output are frozen.
#pragma once

#include <string>
#include <vector>

#include "models/graph.h"

namespace minnow {

// One filter of a producer: output channel `channel` of the conv or linear layer `node`.
struct UnitFilter {
  const GraphNode* node = nullptr;
  int64_t channel = 0;
};

// The channels that go together, with the filters that make them.
struct ChannelUnit {
  int id = 0;  // the class, as in ChannelGraph::unit_of
  std::vector<UnitFilter> filters;
};

// The units whose first producer is one layer: what a pruning ratio applies to. Each unit may
// also take filters of later producers (the other convs that feed one residual sum).
struct ChannelGroup {
  std::string name;                         // the first producer's dotted name
  std::vector<const GraphNode*> producers;  // of any of its units, in graph order
  std::vector<ChannelUnit> units;           // by the first producer's channel
  int64_t channels_per_unit = 1;            // of the first producer
};

struct ChannelGraph {
  InferenceGraph graph;
  std::vector<std::vector<int>> unit_of;  // [value][channel]: the class of that element
  std::vector<ChannelGroup> groups;       // the prunable ones, in graph order of their first producer
  std::vector<bool> frozen;               // [class]
  // [class]: the values it holds channels of, with how many (a ShuffleNet v2 split's halves
  // hold different units: removing all of one half's units would leave a value empty).
  std::vector<std::vector<std::pair<int, int64_t>>> spread;
};

// Traces model (eval mode) on zeros of input_dims (N, C, H, W) and finds its channel classes.
// Throws one line when a layer has no channel rule (a QAT quantizer) or when a conv,
// BN or linear layer of the model does not run in its eval forward.
ChannelGraph analyse_channels(Module& model, const Dims& input_dims);

}  // namespace minnow
