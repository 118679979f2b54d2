// The processes of one training job and the collectives they run together. Started by
// an MPI launcher (mpirun, or srun with PMIx) minnow joins MPI_COMM_WORLD; started
// alone it is a world of one, MPI is never initialised and every collective is the
// identity. mpi.h stays inside dist/*.cpp: nothing above this layer sees MPI.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace minnow::dist {

// A collective started by World::start_sum, completed by test() or wait(). Every rank
// must start the same collectives in the same order.
class PendingSum {
 public:
  PendingSum();
  PendingSum(PendingSum&&) noexcept;
  PendingSum& operator=(PendingSum&&) noexcept;
  ~PendingSum();  // waits if still running, so a buffer is never freed under MPI

  // True once done; each call lets MPI progress the collective (Open MPI 4.1 moves
  // nonblocking collectives forward only inside MPI calls).
  bool test();
  void wait();

 private:
  friend class World;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class World {
 public:
  // The job this process belongs to: joined (MPI_Init_thread) on the first call when a
  // launcher started it, else a world of one.
  static World& get();
  // MPI_Finalize, when MPI was initialised; every rank calls it once, at the end.
  static void finalize();

  int rank() const { return rank_; }
  int size() const { return size_; }
  // The ranks on this process's node (MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)).
  int local_size() const { return local_size_; }
  bool is_root() const { return rank_ == 0; }
  bool distributed() const { return size_ > 1; }

  // In-place sums, maxima and broadcasts over every rank (blocking).
  void sum(std::span<double> values) const;
  void sum(std::span<float> values) const;
  void max(std::span<int64_t> values) const;
  void max(std::span<double> values) const;
  void broadcast(std::span<std::byte> bytes, int root) const;
  void barrier() const;
  // Starts an in-place sum of values without waiting for it (MPI_Iallreduce); values must
  // stay alive and untouched until the returned sum completes.
  PendingSum start_sum(std::span<float> values) const;

  // Ends every rank of the job with code (MPI_Abort); in a world of one, exits.
  [[noreturn]] void abort(int code) const;

 private:
  World();
  int rank_ = 0, size_ = 1, local_size_ = 1;
  bool mpi_ = false;
};

// True when this process was started by an MPI launcher (Open MPI's mpirun, PMIx, PMI).
bool launched_by_mpi();

}  // namespace minnow::dist
