// Votes are two small allreduces: sums of counts, and maxima of the error key and signal.
// The error key of rank r is size - r, so the maximum names the lowest failing rank,
// which then broadcasts its message.
#include "train/distributed/agreement.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <exception>
#include <string>

#include "core/error.h"

namespace minnow {
namespace {

constexpr size_t kMessageBytes = 2048;

std::string message_of(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "an unknown error";
  }
}

// Throws on every rank when error_key (the maximum over the ranks) names a failing rank.
void raise_if_failed(const dist::World& world, int64_t error_key, const std::exception_ptr& mine) {
  if (error_key == 0) return;
  const int failing = world.size() - static_cast<int>(error_key);
  std::array<std::byte, kMessageBytes> text{};
  if (world.rank() == failing) {
    const std::string message = message_of(mine);
    std::memcpy(text.data(), message.data(), std::min(message.size(), kMessageBytes - 1));
  }
  world.broadcast(text, failing);
  throw JobError(detail::concat("rank ", failing, " of ", world.size(), ": ", reinterpret_cast<const char*>(text.data())),
                 "train/distributed/agreement.cpp");
}

std::exception_ptr run_catching(const std::function<void()>& work) {
  try {
    work();
  } catch (...) {
    return std::current_exception();
  }
  return nullptr;
}

void agree_on(const dist::World& world, const std::exception_ptr& error) {
  if (!world.distributed()) {
    if (error) std::rethrow_exception(error);
    return;
  }
  int64_t key[1] = {error ? world.size() - world.rank() : 0};
  world.max(key);
  raise_if_failed(world, key[0], error);
}

}  // namespace

StepVote vote_step(const dist::World& world, const std::function<std::optional<int64_t>()>& load, int signal) {
  std::optional<int64_t> images;
  const std::exception_ptr error = run_catching([&] { images = load(); });
  if (!world.distributed()) {
    if (error) std::rethrow_exception(error);
    return {.done = !images, .images = images.value_or(0), .any_empty = images == 0, .signal = signal};
  }
  int64_t extremes[2] = {error ? world.size() - world.rank() : 0, signal};
  world.max(extremes);
  raise_if_failed(world, extremes[0], error);
  // [ranks with a batch, ranks whose batch is empty, images]
  double counts[3] = {images ? 1.0 : 0.0, images == 0 ? 1.0 : 0.0, static_cast<double>(images.value_or(0))};
  world.sum(counts);
  MINNOW_CHECK(counts[0] == 0 || counts[0] == world.size(), "distributed: ", counts[0], " of ", world.size(),
               " ranks have a batch left in this epoch; the sampler gives every rank as many steps");
  return {.done = counts[0] == 0,
          .images = static_cast<int64_t>(counts[2]),
          .any_empty = counts[1] > 0,
          .signal = static_cast<int>(extremes[1])};
}

void run_agreed(const dist::World& world, const std::function<void()>& work) {
  agree_on(world, run_catching(work));
}

void run_on_root(const dist::World& world, const std::function<void()>& work) {
  world.barrier();
  agree_on(world, world.is_root() ? run_catching(work) : nullptr);
}

}  // namespace minnow
