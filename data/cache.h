// An in-memory cache of decoded samples in front of another dataset, so a
// small folder dataset is decoded once. Samples are kept while they fit in a
// byte budget; bad (skipped) samples are remembered too.
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <vector>

#include "data/dataset.h"

namespace minnow::data {

class CachedDataset : public Dataset {
 public:
  CachedDataset(std::shared_ptr<const Dataset> base, int64_t max_bytes);

  int64_t size() const override { return base_->size(); }
  const std::vector<std::string>& class_names() const override { return base_->class_names(); }
  int channels() const override { return base_->channels(); }
  int32_t label(int64_t index) const override { return base_->label(index); }
  std::optional<Sample> get(int64_t index) const override;
  std::string source(int64_t index) const override { return base_->source(index); }
  int64_t skipped() const override { return base_->skipped(); }

  int64_t cached_bytes() const { return used_.load(); }

 private:
  struct Slot {
    bool filled = false;
    std::optional<Sample> sample;  // nullopt: a skipped bad image
  };

  std::shared_ptr<const Dataset> base_;
  int64_t max_bytes_;
  mutable std::atomic<int64_t> used_{0};
  mutable std::mutex mutex_;
  mutable std::vector<Slot> slots_;
};

}  // namespace minnow::data
