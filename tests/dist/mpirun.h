// Running the built `minnow train` under Open MPI's mpirun from a test: the command line
// (as root, oversubscribed, unbound, so that it runs beside other tests on 2 cores), a
// blocking run, and a run in the background that a test can signal or kill.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

#include "tests/train/cli_run.h"

namespace minnow::test_support {

// The mpirun that configure found ("" if none: the tests then skip, saying so).
std::string mpirun_path();

// mpirun's arguments for `minnow train config --set override...` on ranks processes.
std::vector<std::string> mpirun_train_args(int ranks, const std::string& config,
                                           const std::vector<std::string>& overrides = {});

// mpirun with args, waiting for it; stdout and stderr go to files in folder.
CliRun run_mpirun(const std::vector<std::string>& args, const std::filesystem::path& folder);

// A program started in the background, in a process group of its own.
class Background {
 public:
  Background(const std::string& program, const std::vector<std::string>& args, const std::filesystem::path& folder);
  ~Background();  // kills the group if it still runs
  pid_t pid() const { return pid_; }
  // Waits up to seconds for the exit; the exit code, 128 + signal if killed, -1 on a time-out.
  int wait(double seconds);
  std::string err() const;

 private:
  pid_t pid_ = -1;
  std::filesystem::path err_path_;
  bool reaped_ = false;
};

// Pids of the processes whose command line starts with prefix.
std::vector<pid_t> pids_of(const std::string& prefix);

// Waits up to seconds until path holds at least lines lines; false on a time-out.
bool wait_for_lines(const std::filesystem::path& path, int lines, double seconds);

}  // namespace minnow::test_support
