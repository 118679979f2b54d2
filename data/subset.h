// Views of another dataset: a subset by index list, and the deterministic,
// class-stratified split of one dataset into train and validation parts.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "data/dataset.h"

namespace minnow::data {

class SubsetDataset : public Dataset {
 public:
  SubsetDataset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices);

  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  const std::vector<std::string>& class_names() const override { return base_->class_names(); }
  int channels() const override { return base_->channels(); }
  int32_t label(int64_t index) const override { return base_->label(base_index(index)); }
  std::optional<Sample> get(int64_t index) const override { return base_->get(base_index(index)); }
  std::optional<Sample> get_partial(int64_t index, const DecodeRequester& request) const override {
    return base_->get_partial(base_index(index), request);
  }
  std::string source(int64_t index) const override { return base_->source(base_index(index)); }
  int64_t skipped() const override { return base_->skipped(); }

  int64_t base_index(int64_t index) const;

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<int64_t> indices_;
};

struct SplitDatasets {
  std::shared_ptr<const Dataset> train;
  std::shared_ptr<const Dataset> val;
};

// Holds out round(val_fraction * n_c) samples of every class c, chosen by a
// shuffle seeded with seed, so the split is the same on every run and machine.
// 0 < val_fraction < 1; both parts must end up non-empty.
SplitDatasets split_by_class(std::shared_ptr<const Dataset> dataset, double val_fraction, uint64_t seed);

}  // namespace minnow::data
