// The decoded-sample cache. Decoding happens outside the lock, so loader
// threads decode in parallel; two threads racing on one index both decode it
// and the first to finish fills the slot (the results are identical).
#include "data/cache.h"

#include "core/error.h"

namespace minnow::data {

CachedDataset::CachedDataset(std::shared_ptr<const Dataset> base, int64_t max_bytes)
    : base_(std::move(base)), max_bytes_(max_bytes) {
  MINNOW_CHECK(base_ != nullptr, "cache: null base dataset");
  MINNOW_CHECK(max_bytes_ >= 0, "cache: max_bytes ", max_bytes_, ", expected >= 0");
  slots_.resize(static_cast<size_t>(base_->size()));
}

std::optional<Sample> CachedDataset::get(int64_t index) const {
  check_index(index, size(), "cache");
  auto& slot = slots_[static_cast<size_t>(index)];
  {
    std::lock_guard lock(mutex_);
    if (slot.filled) return slot.sample;
  }
  std::optional<Sample> sample = base_->get(index);
  const int64_t bytes = sample ? static_cast<int64_t>(sample->image.bytes()) : 0;
  std::lock_guard lock(mutex_);
  if (!slot.filled && used_.load() + bytes <= max_bytes_) {
    slot.filled = true;
    slot.sample = sample;
    used_ += bytes;
  }
  return sample;
}

}  // namespace minnow::data
