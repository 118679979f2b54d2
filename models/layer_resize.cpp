// Rebuilding Conv2d, BatchNorm2d and Linear smaller: the kept channels' weights, biases and
// statistics copied out of the plain (OIHW) values into new, smaller parameters. Which
// channels to keep is channel pruning's business (models/channel_prune.h), not the layers'.
#include <algorithm>
#include <set>

#include "core/error.h"
#include "models/layers.h"

namespace minnow {
namespace {

void check_ascending(std::span<const int64_t> kept, int64_t size, const char* what) {
  MINNOW_CHECK(!kept.empty() && std::is_sorted(kept.begin(), kept.end()) &&
                   std::adjacent_find(kept.begin(), kept.end()) == kept.end() && kept.front() >= 0 &&
                   kept.back() < size,
               what, ": expected a non-empty ascending list of distinct channels below ", size, ", got ", kept.size(),
               " entries");
}

// values[kept[0]], values[kept[1]], ... of a (C) tensor, as a new plain tensor of the same type.
Tensor gather_channels(const Tensor& t, std::span<const int64_t> kept) {
  const std::vector<float> values = t.to_plain();
  std::vector<float> out;
  out.reserve(kept.size());
  for (const int64_t c : kept) out.push_back(values[c]);
  return Tensor::from_plain({static_cast<int64_t>(kept.size())}, out, t.dtype());
}

// The in-group indices of kept (ascending) channels of groups of `per_group`, which must be the
// same in every kept group; the kept groups go to `groups`.
std::vector<int64_t> local_indices(std::span<const int64_t> kept, int64_t per_group, std::vector<int64_t>& groups,
                                   const char* what) {
  std::set<int64_t> group_set;
  for (const int64_t c : kept) group_set.insert(c / per_group);
  groups.assign(group_set.begin(), group_set.end());
  std::vector<int64_t> local;
  for (const int64_t c : kept)
    if (c / per_group == groups.front()) local.push_back(c % per_group);
  MINNOW_CHECK(kept.size() == groups.size() * local.size(), what,
               ": every kept group must keep the same in-group channels");
  for (size_t i = 0; i < kept.size(); ++i)
    MINNOW_CHECK(kept[i] == groups[i / local.size()] * per_group + local[i % local.size()], what,
                 ": every kept group must keep the same in-group channels");
  return local;
}

}  // namespace

void Conv2d::keep_channels(std::span<const int64_t> out, std::span<const int64_t> in) {
  const Options o = options_;
  check_ascending(out, o.out, "Conv2d::keep_channels (out)");
  check_ascending(in, o.in, "Conv2d::keep_channels (in)");
  std::vector<int64_t> out_groups, in_groups;
  const std::vector<int64_t> out_local = local_indices(out, o.out / o.groups, out_groups, "Conv2d::keep_channels (out)");
  const std::vector<int64_t> in_local = local_indices(in, o.in / o.groups, in_groups, "Conv2d::keep_channels (in)");
  MINNOW_CHECK(out_groups == in_groups, "Conv2d::keep_channels: the kept output channels span ", out_groups.size(),
               " group(s) and the kept input channels ", in_groups.size(), "; they must be the same groups");

  const int64_t k2 = o.kernel * o.kernel, a = o.in / o.groups;  // taps, input channels per group
  const std::vector<float> w = weight_.data().to_plain();      // (out, a, k, k)
  const auto groups = static_cast<int64_t>(out_groups.size());
  const auto b_new = static_cast<int64_t>(out_local.size()), a_new = static_cast<int64_t>(in_local.size());
  std::vector<float> kept;  // (groups * b_new, a_new, k, k)
  kept.reserve(static_cast<size_t>(groups * b_new * a_new * k2));
  for (const int64_t oc : out)
    for (const int64_t j : in_local) {
      const float* taps = w.data() + (oc * a + j) * k2;
      kept.insert(kept.end(), taps, taps + k2);
    }
  options_.out = groups * b_new;
  options_.in = groups * a_new;
  options_.groups = groups;
  op_.groups = groups;
  weight_ = replace_parameter("weight", Tensor::from_plain({options_.out, a_new, o.kernel, o.kernel}, kept));
  if (bias_.defined()) bias_ = replace_parameter("bias", gather_channels(bias_.data(), out));
}

void BatchNorm2d::keep_channels(std::span<const int64_t> channels) {
  check_ascending(channels, options_.channels, "BatchNorm2d::keep_channels");
  options_.channels = static_cast<int64_t>(channels.size());
  weight_ = replace_parameter("weight", gather_channels(weight_.data(), channels));
  bias_ = replace_parameter("bias", gather_channels(bias_.data(), channels));
  running_mean_ = replace_buffer("running_mean", gather_channels(running_mean_, channels));
  running_var_ = replace_buffer("running_var", gather_channels(running_var_, channels));
}

void Linear::keep_features(std::span<const int64_t> out, std::span<const int64_t> in) {
  check_ascending(out, options_.out, "Linear::keep_features (out)");
  check_ascending(in, options_.in, "Linear::keep_features (in)");
  const std::vector<float> w = weight_.data().to_plain();  // (out, in)
  std::vector<float> kept;
  kept.reserve(out.size() * in.size());
  for (const int64_t o : out)
    for (const int64_t i : in) kept.push_back(w[o * options_.in + i]);
  options_.out = static_cast<int64_t>(out.size());
  options_.in = static_cast<int64_t>(in.size());
  weight_ = replace_parameter("weight", Tensor::from_plain({options_.out, options_.in}, kept));
  if (bias_.defined()) bias_ = replace_parameter("bias", gather_channels(bias_.data(), out));
}

}  // namespace minnow
