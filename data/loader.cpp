// Loader threads and batch assembly. Workers claim steps in order, at most
// prefetch * workers ahead of the consumer, build them without holding the
// lock and file them by step; next() hands them over strictly in step order.
#include "data/loader.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "core/error.h"

namespace minnow::data {
namespace {

// Tags that keep the shuffle and augmentation streams apart.
constexpr uint64_t kShuffleTag = 0x53485546464c45ULL;
constexpr uint64_t kAugmentTag = 0x4155474d454e54ULL;

std::string shape_text(const Image& image) {
  return std::to_string(image.channels) + "x" + std::to_string(image.height) + "x" + std::to_string(image.width);
}

}  // namespace

Loader::Loader(std::shared_ptr<const Dataset> dataset, TransformOptions transform, LoaderOptions options)
    : dataset_(std::move(dataset)), transform_(std::move(transform)), options_(options) {
  MINNOW_CHECK(dataset_ != nullptr, "loader: null dataset");
  MINNOW_CHECK(dataset_->size() > 0, "loader: empty dataset");
  MINNOW_CHECK(options_.batch_size > 0, "loader: batch_size ", options_.batch_size, ", expected > 0");
  MINNOW_CHECK(options_.workers >= 0 && options_.workers <= 256, "loader: workers ", options_.workers,
               ", expected 0..256");
  MINNOW_CHECK(options_.prefetch > 0, "loader: prefetch ", options_.prefetch, ", expected > 0");
  MINNOW_CHECK(options_.shards >= 1 && options_.shard >= 0 && options_.shard < options_.shards, "loader: shard ",
               options_.shard, " of ", options_.shards, ", expected 0 <= shard < shards");
  // An evaluation shard of a dataset smaller than the shard count may be empty; a training epoch may not.
  MINNOW_CHECK(steps_per_epoch() > 0 || (options_.shards > 1 && !options_.pad_shards), "loader: drop_last with batch_size ",
               options_.batch_size, " and ", samples_per_epoch(), " samples leaves no batch");
  for (int w = 0; w < options_.workers; ++w) threads_.emplace_back([this] { worker_loop(); });
}

Loader::~Loader() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_cv_.notify_all();
  for (auto& t : threads_) t.join();
}

int64_t Loader::samples_per_epoch() const {
  const int64_t n = dataset_->size(), shards = options_.shards;
  if (options_.pad_shards) return (n + shards - 1) / shards;
  return (n - options_.shard + shards - 1) / shards;
}

int64_t Loader::steps_per_epoch() const {
  const int64_t n = samples_per_epoch();
  const int64_t b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::vector<int64_t> Loader::epoch_order(int64_t epoch) const {
  std::vector<int64_t> order(static_cast<size_t>(dataset_->size()));
  std::iota(order.begin(), order.end(), int64_t{0});
  if (options_.shuffle) {
    Rng rng = Rng(options_.seed).fork(kShuffleTag).fork(static_cast<uint64_t>(epoch));
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
  }
  if (options_.shards == 1) return order;
  const auto shards = static_cast<size_t>(options_.shards);
  const size_t total = options_.pad_shards ? static_cast<size_t>(samples_per_epoch()) * shards : order.size();
  std::vector<int64_t> part;
  for (size_t p = static_cast<size_t>(options_.shard); p < total; p += shards) part.push_back(order[p % order.size()]);
  return part;
}

Rng Loader::sample_rng(int64_t epoch, int64_t index) const {
  return Rng(options_.seed).fork(kAugmentTag).fork(static_cast<uint64_t>(epoch)).fork(static_cast<uint64_t>(index));
}

void Loader::begin_epoch(int64_t epoch, int64_t start_step) {
  MINNOW_CHECK(epoch >= 0, "loader: epoch ", epoch, ", expected >= 0");
  MINNOW_CHECK(start_step >= 0 && start_step <= steps_per_epoch(), "loader: start step ", start_step,
               ", expected 0..", steps_per_epoch());
  auto order = std::make_shared<const std::vector<int64_t>>(epoch_order(epoch));
  std::map<int64_t, Ready> stale;
  {
    std::lock_guard lock(mutex_);
    ++generation_;
    stale.swap(ready_);
    started_ = true;
    epoch_ = epoch;
    order_ = std::move(order);
    next_claim_ = start_step;
    next_deliver_ = start_step;
    end_step_ = steps_per_epoch();
  }
  work_cv_.notify_all();
}

std::optional<Batch> Loader::next() {
  std::unique_lock lock(mutex_);
  MINNOW_CHECK(started_, "loader: call begin_epoch(epoch) before next()");
  while (next_deliver_ < end_step_) {
    const int64_t step = next_deliver_;
    Ready ready;
    if (threads_.empty()) {
      try {
        ready.batch = build(epoch_, step, *order_);
      } catch (...) {
        ready.error = std::current_exception();
      }
    } else {
      ready_cv_.wait(lock, [&] { return ready_.count(step) > 0; });
      ready = std::move(ready_.extract(step).mapped());
    }
    ++next_deliver_;
    work_cv_.notify_all();
    if (ready.error) std::rethrow_exception(ready.error);
    if (ready.batch->size() > 0 || options_.keep_empty_batches) return std::move(ready.batch);
  }
  return std::nullopt;
}

void Loader::worker_loop() {
  std::unique_lock lock(mutex_);
  const int64_t window = int64_t{options_.prefetch} * options_.workers;
  while (true) {
    work_cv_.wait(lock, [&] {
      return stopping_ || (started_ && next_claim_ < end_step_ && next_claim_ < next_deliver_ + window);
    });
    if (stopping_) return;
    const int64_t step = next_claim_++;
    const uint64_t generation = generation_;
    const int64_t epoch = epoch_;
    const auto order = order_;
    lock.unlock();
    Ready ready;
    try {
      ready.batch = build(epoch, step, *order);
    } catch (...) {
      ready.error = std::current_exception();
    }
    lock.lock();
    if (generation == generation_) {
      ready_.emplace(step, std::move(ready));
      ready_cv_.notify_all();
    }
  }
}

Batch Loader::build(int64_t epoch, int64_t step, const std::vector<int64_t>& order) const {
  const int64_t first = step * options_.batch_size;
  const int64_t last = std::min<int64_t>(first + options_.batch_size, static_cast<int64_t>(order.size()));
  MINNOW_CHECK(first >= 0 && first < last, "loader: step ", step, " outside the epoch's ", steps_per_epoch(),
               " steps");
  Batch batch{.images = {}, .labels = {}, .indices = {}, .epoch = epoch, .step = step};
  Image first_image;  // the batch's shape, from its first sample
  int64_t first_index = 0;
  size_t sample_floats = 0;
  for (int64_t p = first; p < last; ++p) {
    const int64_t index = order[static_cast<size_t>(p)];
    Rng rng = sample_rng(epoch, index);
    bool cropped = false;
    std::optional<Sample> sample = options_.jpeg_partial_decode
                                       ? dataset_->get_partial(index, transform_.requester(rng, cropped))
                                       : dataset_->get(index);
    if (!sample) continue;
    Transformed transformed;
    try {
      const std::optional<PixelBox> drawn = cropped ? std::optional(sample->region) : std::nullopt;
      transformed = transform_.apply_unflipped(std::move(sample->image), rng, drawn);
    } catch (const Error& e) {
      MINNOW_FAIL("loader: ", dataset_->source(index), ": ", e.what());
    }
    const Image& image = transformed.image;
    if (!batch.images.defined()) {
      batch.images = Tensor(plain_desc({last - first, image.channels, image.height, image.width}));
      first_image = Image{.height = image.height, .width = image.width, .channels = image.channels, .pixels = {}};
      first_index = index;
      sample_floats = image.bytes();
    }
    MINNOW_CHECK(image.channels == first_image.channels && image.height == first_image.height &&
                     image.width == first_image.width,
                 "loader: ", dataset_->source(index), " is ", shape_text(image), " (CxHxW) after transforms but ",
                 dataset_->source(first_index), " is ", shape_text(first_image),
                 "; add a resize or crop so every sample has one size");
    const auto k = static_cast<size_t>(batch.size());
    transform_.normalize_into(image, std::span<float>(batch.images.data<float>() + k * sample_floats, sample_floats),
                              transformed.mirrored);
    batch.labels.push_back(sample->label);
    batch.indices.push_back(index);
  }
  if (batch.size() > 0 && batch.size() < last - first) {
    // Skipped images: move the filled rows into a tensor of the right size.
    Tensor full = batch.images;
    batch.images = Tensor(plain_desc({batch.size(), first_image.channels, first_image.height, first_image.width}));
    std::memcpy(batch.images.raw(), full.raw(), batch.images.bytes());
  }
  return batch;
}

}  // namespace minnow::data
