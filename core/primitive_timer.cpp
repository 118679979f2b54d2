// The timing switch and the accumulated time, both process-wide atomics; the
// clock is read only when the switch is on.
#include "core/primitive_timer.h"

#include <atomic>
#include <chrono>

#include "core/engine.h"

namespace minnow {
namespace {

std::atomic<bool> g_enabled{false};
std::atomic<int64_t> g_nanoseconds{0};

using Clock = std::chrono::steady_clock;

// Adds the time from construction to destruction to g_nanoseconds when timing was on at construction.
class PrimitiveTimer {
 public:
  PrimitiveTimer() : on_(g_enabled.load(std::memory_order_relaxed)) {
    if (on_) start_ = Clock::now();
  }
  ~PrimitiveTimer() {
    if (!on_) return;
    const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start_).count();
    g_nanoseconds.fetch_add(static_cast<int64_t>(elapsed), std::memory_order_relaxed);
  }
  PrimitiveTimer(const PrimitiveTimer&) = delete;
  PrimitiveTimer& operator=(const PrimitiveTimer&) = delete;

 private:
  bool on_;
  Clock::time_point start_{};
};

}  // namespace

void execute_primitive(const dnnl::primitive& p, const std::unordered_map<int, dnnl::memory>& args) {
  const PrimitiveTimer timer;
  p.execute(cpu_stream(), args);
}

void set_primitive_timing(bool enabled) { g_enabled.store(enabled, std::memory_order_relaxed); }
bool primitive_timing() { return g_enabled.load(std::memory_order_relaxed); }
int64_t primitive_nanoseconds() { return g_nanoseconds.load(std::memory_order_relaxed); }
void reset_primitive_nanoseconds() { g_nanoseconds.store(0, std::memory_order_relaxed); }

}  // namespace minnow
