// The handler stores the signal and, on a second one more than a second later, calls
// _exit: all of it async-signal-safe. The previous handlers come back when the guard goes.
#include "train/interrupt.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <ctime>

namespace minnow {
namespace {

// One request to stop often arrives twice within milliseconds: Ctrl-C reaches mpirun and its
// ranks together, and mpirun forwards it as SIGTERM. Signals this close to the first count as it.
constexpr int64_t kSameRequestNanoseconds = 1'000'000'000;

std::atomic<int> g_signal{0};
std::atomic<int64_t> g_first_at{0};
struct sigaction g_previous_int, g_previous_term;

int64_t monotonic_nanoseconds() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

void on_signal(int signal) {
  int expected = 0;
  if (g_signal.compare_exchange_strong(expected, signal)) {
    g_first_at = monotonic_nanoseconds();
    return;
  }
  // 0: the first signal's handler, on another thread, has not stored its time yet.
  const int64_t first_at = g_first_at.load();
  if (first_at != 0 && monotonic_nanoseconds() - first_at > kSameRequestNanoseconds) _exit(128 + signal);
}

}  // namespace

StopOnSignal::StopOnSignal() {
  clear_stop_request();
  struct sigaction action {};
  action.sa_handler = on_signal;
  action.sa_flags = SA_RESTART;  // reads and writes in progress carry on
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, &g_previous_int);
  sigaction(SIGTERM, &action, &g_previous_term);
}

StopOnSignal::~StopOnSignal() {
  sigaction(SIGINT, &g_previous_int, nullptr);
  sigaction(SIGTERM, &g_previous_term, nullptr);
}

int stop_signal() { return g_signal.load(); }

void request_stop(int signal) {
  int expected = 0;
  g_signal.compare_exchange_strong(expected, signal);
}

void clear_stop_request() {
  g_signal = 0;
  g_first_at = 0;
}

const char* signal_name(int signal) {
  switch (signal) {
    case SIGINT: return "SIGINT";
    case SIGTERM: return "SIGTERM";
    default: return "a signal";
  }
}

}  // namespace minnow
