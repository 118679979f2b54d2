// Decisions every rank of a data-parallel job takes together, so that no rank waits in a
// collective another will not reach: before each step (a failed batch, the step's images, a
// stop signal) and around work that may fail on one rank only (rank 0's writes, evaluation
// shards). A rank's error becomes every rank's, naming the rank; with one rank, errors pass as is.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>

#include "core/error.h"
#include "dist/world.h"

namespace minnow {

// An error every rank of the job raised together (one rank's, shared by a vote): the job
// can end in order. Any other error on one rank of several ends the job with MPI_Abort.
class JobError : public Error {
 public:
  using Error::Error;
};

struct StepVote {
  bool done = false;       // no rank has a batch left: the epoch is over
  int64_t images = 0;      // the step's images over every rank
  bool any_empty = false;  // some rank's batch lost every image (skipped bad images)
  int signal = 0;          // the highest stop signal a rank received (SIGINT 2, SIGTERM 15), 0 if none
};

// load gives this rank's batch size for the coming step, or nullopt at the epoch's end.
StepVote vote_step(const dist::World& world, const std::function<std::optional<int64_t>()>& load, int signal);

// Runs work on every rank, then every rank learns whether any rank's work threw.
void run_agreed(const dist::World& world, const std::function<void()>& work);
// Runs work on rank 0 once every rank has arrived; the others wait for its outcome.
void run_on_root(const dist::World& world, const std::function<void()>& work);

}  // namespace minnow
