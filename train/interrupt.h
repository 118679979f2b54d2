// SIGINT and SIGTERM as a request to stop training cleanly. While a StopOnSignal guard
// lives, the first of them only sets a flag that the trainer reads before each step: the
// step in progress finishes, rank 0 writes last.safetensors, and `minnow train` exits with
// 128 + the signal (130, 143). A second signal ends the process at once with that code,
// unless it comes within a second of the first: then it is the same request delivered twice
// (a terminal's Ctrl-C reaches mpirun and the ranks, and mpirun forwards it).
#pragma once

namespace minnow {

class StopOnSignal {
 public:
  StopOnSignal();   // installs the handlers
  ~StopOnSignal();  // restores the previous ones
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
};

// The stop signal received so far (SIGINT or SIGTERM), or 0.
int stop_signal();
// "SIGINT", "SIGTERM", or the number.
const char* signal_name(int signal);

}  // namespace minnow
