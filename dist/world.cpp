// MPI_COMM_WORLD behind World. MPI is initialised with MPI_THREAD_FUNNELED: only the
// thread that runs the training loop calls MPI (OpenMP and loader threads never do).
// Errors inside MPI keep MPI_ERRORS_ARE_FATAL, so a broken job ends instead of hanging.
#include "dist/world.h"

#include <mpi.h>

#include <cstdlib>
#include <vector>

#include "core/error.h"

namespace minnow::dist {
namespace {

bool g_finalized = false;

int as_count(size_t n) {
  MINNOW_CHECK(n <= static_cast<size_t>(INT32_MAX), "distributed: a collective takes at most ", INT32_MAX,
               " values (MPI's int count), got ", n);
  return static_cast<int>(n);
}

// In-place MPI_Allreduce of n values over MPI_COMM_WORLD; nothing in a world of one.
void allreduce(void* values, size_t n, MPI_Datatype type, MPI_Op op, bool mpi) {
  if (mpi && n > 0) MPI_Allreduce(MPI_IN_PLACE, values, as_count(n), type, op, MPI_COMM_WORLD);
}

}  // namespace

bool launched_by_mpi() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_RANK"})
    if (std::getenv(name) != nullptr) return true;
  return false;
}

World::World() {
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  MINNOW_CHECK(provided >= MPI_THREAD_FUNNELED, "distributed: MPI provides thread level ", provided,
               ", expected at least MPI_THREAD_FUNNELED");
  mpi_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm node;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &node);
  MPI_Comm_size(node, &local_size_);
  MPI_Comm_free(&node);
}

World& World::get() {
  static World world;
  return world;
}

void World::finalize() {
  int initialized = 0;
  MPI_Initialized(&initialized);
  if (initialized && !g_finalized) {
    g_finalized = true;
    MPI_Finalize();
  }
}

void World::sum(std::span<double> values) const { allreduce(values.data(), values.size(), MPI_DOUBLE, MPI_SUM, mpi_); }
void World::sum(std::span<float> values) const { allreduce(values.data(), values.size(), MPI_FLOAT, MPI_SUM, mpi_); }
void World::max(std::span<int64_t> values) const {
  allreduce(values.data(), values.size(), MPI_INT64_T, MPI_MAX, mpi_);
}
void World::max(std::span<double> values) const { allreduce(values.data(), values.size(), MPI_DOUBLE, MPI_MAX, mpi_); }

void World::broadcast(std::span<std::byte> bytes, int root) const {
  if (mpi_ && !bytes.empty()) MPI_Bcast(bytes.data(), as_count(bytes.size()), MPI_BYTE, root, MPI_COMM_WORLD);
}

void World::barrier() const {
  if (mpi_) MPI_Barrier(MPI_COMM_WORLD);
}

void World::abort(int code) const {
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

struct PendingSum::Impl {
  MPI_Request request = MPI_REQUEST_NULL;
};

PendingSum::PendingSum() = default;
PendingSum::PendingSum(PendingSum&&) noexcept = default;
PendingSum& PendingSum::operator=(PendingSum&& other) noexcept {
  if (this != &other) {
    if (impl_) wait();
    impl_ = std::move(other.impl_);
  }
  return *this;
}
PendingSum::~PendingSum() {
  if (impl_) wait();
}

bool PendingSum::test() {
  if (!impl_ || impl_->request == MPI_REQUEST_NULL) return true;
  int done = 0;
  MPI_Test(&impl_->request, &done, MPI_STATUS_IGNORE);
  return done != 0;
}

void PendingSum::wait() {
  if (impl_ && impl_->request != MPI_REQUEST_NULL) MPI_Wait(&impl_->request, MPI_STATUS_IGNORE);
}

PendingSum World::start_sum(std::span<float> values) const {
  PendingSum pending;
  pending.impl_ = std::make_unique<PendingSum::Impl>();
  if (mpi_ && !values.empty())
    MPI_Iallreduce(MPI_IN_PLACE, values.data(), as_count(values.size()), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                   &pending.impl_->request);
  return pending;
}

}  // namespace minnow::dist
