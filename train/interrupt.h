// SIGINT and SIGTERM as a request to stop training cleanly: while a StopOnSignal guard lives,
// the first only sets a flag the trainer reads before each step, and a second one more than a
// second later ends the process at once (one within a second is the same request delivered
// twice: Ctrl-C reaches mpirun and its ranks, and mpirun forwards it). Code that keeps its own
// handlers (the Python module) makes the same request with request_stop.
#pragma once

namespace minnow {

class StopOnSignal {
 public:
  StopOnSignal();   // installs the handlers
  ~StopOnSignal();  // restores the previous ones
  StopOnSignal(const StopOnSignal&) = delete;
  StopOnSignal& operator=(const StopOnSignal&) = delete;
};

// The stop signal received or requested so far (SIGINT or SIGTERM), or 0.
int stop_signal();
// The request a signal makes, made without one: the trainer stops after its current step as if
// signal had arrived (the first request counts). clear_stop_request() forgets it; so does a
// StopOnSignal when it starts.
void request_stop(int signal);
void clear_stop_request();
// "SIGINT", "SIGTERM", or the number.
const char* signal_name(int signal);

}  // namespace minnow
