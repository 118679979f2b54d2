// Subset views and the stratified train/validation split. Indices inside each
// part stay in ascending order, so a part lists samples in the base's order.
#include "data/subset.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/rng.h"

namespace minnow::data {

SubsetDataset::SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  MINNOW_CHECK(base_ != nullptr, "subset: null base dataset");
  MINNOW_CHECK(!indices_.empty(), "subset: no indices");
  for (int64_t i : indices_) check_index(i, base_->size(), "subset");
}

int64_t SubsetDataset::base_index(int64_t index) const {
  check_index(index, size(), "subset");
  return indices_[static_cast<size_t>(index)];
}

SplitDatasets split_by_class(std::shared_ptr<const Dataset> dataset, double val_fraction, uint64_t seed) {
  MINNOW_CHECK(val_fraction > 0 && val_fraction < 1, "split: val_fraction ", val_fraction,
               ", expected 0 < val_fraction < 1");
  std::vector<std::vector<int64_t>> by_class(static_cast<size_t>(dataset->num_classes()));
  for (int64_t i = 0; i < dataset->size(); ++i) by_class[static_cast<size_t>(dataset->label(i))].push_back(i);
  std::vector<int64_t> train;
  std::vector<int64_t> val;
  const Rng base(seed);
  for (size_t c = 0; c < by_class.size(); ++c) {
    auto& members = by_class[c];
    Rng rng = base.fork(c);
    for (size_t i = members.size(); i > 1; --i) std::swap(members[i - 1], members[rng.below(i)]);
    const auto held = static_cast<size_t>(std::lround(val_fraction * static_cast<double>(members.size())));
    val.insert(val.end(), members.begin(), members.begin() + static_cast<std::ptrdiff_t>(held));
    train.insert(train.end(), members.begin() + static_cast<std::ptrdiff_t>(held), members.end());
  }
  MINNOW_CHECK(!train.empty() && !val.empty(), "split: val_fraction ", val_fraction, " of ", dataset->size(),
               " samples leaves ", train.size(), " for train and ", val.size(), " for val; both need some");
  std::sort(train.begin(), train.end());
  std::sort(val.begin(), val.end());
  return {.train = std::make_shared<SubsetDataset>(dataset, std::move(train)),
          .val = std::make_shared<SubsetDataset>(dataset, std::move(val))};
}

}  // namespace minnow::data
