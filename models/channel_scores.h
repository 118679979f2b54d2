// How much each prunable unit (models/channel_groups.h) matters: the summed score of its
// filters, each a producer's output-channel weights. l1 and l2 are the filter's norms (Li et
// al. 2017); fpgm is the filter's summed distance to the other filters of its layer (He et
// al. 2019, "Filter Pruning via Geometric Median"): a filter near the geometric median is
// the one the others can best stand in for, so the lowest score goes first in every criterion.
#pragma once

#include <string>
#include <vector>

#include "models/channel_groups.h"

namespace minnow {

enum class PruneCriterion { l1, l2, fpgm };
const char* criterion_name(PruneCriterion criterion);

// The score of each unit of group, in its order.
std::vector<double> unit_scores(const ChannelGroup& group, PruneCriterion criterion);

}  // namespace minnow
