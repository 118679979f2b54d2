// The threaded batch loader. Each epoch's order is a shuffle seeded by
// (seed, epoch); each sample's augmentation draws from an Rng seeded by
// (seed, epoch, dataset index). So every batch is a pure function of
// (seed, epoch, step) and the shard: the worker count never changes a result, and a loader
// started at any (epoch, step) continues exactly where a run left off.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "core/rng.h"
#include "core/tensor.h"
#include "data/dataset.h"
#include "data/transform.h"

namespace minnow::data {

struct LoaderOptions {
  int batch_size = 32;
  int workers = 1;   // threads building batches; 0 builds them inside next() on the caller's thread
  int prefetch = 2;  // batches per worker that may be built ahead of the consumer
  bool shuffle = true;
  bool drop_last = false;  // drop the final, smaller batch of an epoch
  uint64_t seed = 0;
  // Data-parallel sharding, as PyTorch's DistributedSampler: each epoch's order (the same
  // on every shard) is dealt out, position p going to shard p % shards, and this loader
  // keeps its own shard's part. pad_shards first repeats the order's start until its
  // length is a multiple of shards, so every shard has as many steps (training); without
  // it every index lands in exactly one shard (sharded evaluation).
  int shards = 1;
  int shard = 0;
  bool pad_shards = true;
  // Return a step whose images were all skipped as an empty batch instead of passing
  // over it, so that shards stepping together stay in step.
  bool keep_empty_batches = false;
  // Let the dataset decode only what the transform reads
  // (Transform::plan_source): JPEG files then decode just a random crop's
  // region, and at 1/2, 1/4 or 1/8 size in the DCT domain wherever the
  // transform still gets one source pixel per output pixel.
  bool jpeg_partial_decode = true;
};

struct Batch {
  Tensor images;                 // (N, C, H, W) f32, plain
  std::vector<int32_t> labels;   // N
  std::vector<int64_t> indices;  // N dataset indices, for predictions and checks
  int64_t epoch = 0;
  int64_t step = 0;  // position in the epoch: 0 .. steps_per_epoch() - 1

  int64_t size() const { return static_cast<int64_t>(labels.size()); }
};

class Loader {
 public:
  Loader(std::shared_ptr<const Dataset> dataset, TransformOptions transform, LoaderOptions options);
  ~Loader();
  Loader(const Loader&) = delete;
  Loader& operator=(const Loader&) = delete;

  int64_t steps_per_epoch() const;
  // Samples this loader visits per epoch: the dataset's size, or its shard's.
  int64_t samples_per_epoch() const;
  // Dataset indices in the order epoch visits them (this shard's part of the epoch's order).
  std::vector<int64_t> epoch_order(int64_t epoch) const;

  // Starts (or restarts) epoch at start_step; batches still in flight from a
  // previous epoch are dropped. The next next() returns step start_step.
  void begin_epoch(int64_t epoch, int64_t start_step = 0);
  // The next batch in order, or nullopt once the epoch is done. Batches may be
  // smaller than batch_size at the end of an epoch or where bad images were
  // skipped; a step whose images were all skipped is passed over. Rethrows
  // the error a worker met while building this step.
  std::optional<Batch> next();

  const Dataset& dataset() const { return *dataset_; }
  const LoaderOptions& options() const { return options_; }

 private:
  struct Ready {
    std::optional<Batch> batch;
    std::exception_ptr error;
  };

  // The batch of (epoch, step), built on the calling thread.
  Batch build(int64_t epoch, int64_t step, const std::vector<int64_t>& order) const;
  void worker_loop();
  Rng sample_rng(int64_t epoch, int64_t index) const;

  std::shared_ptr<const Dataset> dataset_;
  Transform transform_;
  LoaderOptions options_;

  std::mutex mutex_;
  std::condition_variable work_cv_;   // workers wait here for a step to claim
  std::condition_variable ready_cv_;  // next() waits here for its step
  bool started_ = false;
  bool stopping_ = false;
  uint64_t generation_ = 0;  // bumped by begin_epoch; stale results are dropped
  int64_t epoch_ = 0;
  std::shared_ptr<const std::vector<int64_t>> order_;
  int64_t next_claim_ = 0;    // first step no worker has taken yet
  int64_t next_deliver_ = 0;  // step next() returns next
  int64_t end_step_ = 0;
  std::map<int64_t, Ready> ready_;
  std::vector<std::thread> threads_;
};

}  // namespace minnow::data
