// Averages parameter gradients over the ranks, as PyTorch's DDP: buckets of about bucket_mb in
// reverse registration order (the first at most 1 MB), each summed (MPI_Iallreduce) as soon as
// backward has finished its gradients, progressed by MPI_Test between tape nodes. The wire
// format is plain f32 plus a "had a gradient" count per parameter; buffers it is given (local
// BN's running statistics) are averaged every step too, so every rank holds the same state.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "core/tape.h"
#include "dist/world.h"
#include "train/optimizer.h"

namespace minnow {

struct GradReducerOptions {
  double bucket_mb = 25.0;
  bool overlap = true;  // false: every bucket starts after backward, for comparison
};

// Time the last step spent on gradient sums, in seconds.
struct ReduceTimes {
  double wait = 0;  // blocked in finish(), waiting for sums to complete
  double pack = 0;  // copying gradients into and out of the buckets
};

class GradReducer : public BackwardListener {
 public:
  GradReducer(const dist::World& world, const NamedParams& params, GradReducerOptions options,
              std::vector<Tensor> averaged_buffers = {});
  ~GradReducer() override;

  // Call after forward, before backward: clears the buckets and starts the buffers' sum.
  // Install with ListenToBackward during backward.
  void begin();
  void leaf_done(const Var& leaf) override;
  void node_done() override;
  // After backward: starts what is left, waits for every sum, and sets each parameter's
  // gradient, and each buffer, to its average over the ranks (the sum divided by the world size).
  void finish();

  const ReduceTimes& times() const { return times_; }
  size_t bucket_count() const { return buckets_.size(); }

 private:
  struct Bucket {
    std::vector<size_t> params;   // indices into params_, in bucket order
    std::vector<size_t> offsets;  // where each one's values start in values
    std::vector<float> values;    // the gradients, then one presence count per parameter
    size_t ready = 0;
    dist::PendingSum sum;
  };

  void pack(Bucket& bucket);
  void start_ready_buckets();
  void unpack(Bucket& bucket);

  const dist::World& world_;
  NamedParams params_;
  GradReducerOptions options_;
  std::vector<Bucket> buckets_;
  std::unordered_map<const VarImpl*, size_t> index_of_;  // parameter -> its index in params_
  std::vector<size_t> bucket_of_;                         // parameter index -> bucket index
  std::vector<bool> done_;                                // per parameter, this step
  size_t next_start_ = 0;  // buckets start strictly in order, the same on every rank
  std::vector<Tensor> buffers_;        // plain f32
  std::vector<float> buffer_values_;   // the buffers back to back, while they are summed
  dist::PendingSum buffer_sum_;
  ReduceTimes times_;
};

}  // namespace minnow
