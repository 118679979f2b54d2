// mpirun and background processes for the distributed tests. Process command lines are
// read from /proc, so a test finds its own ranks by their unique config path.
#include "tests/dist/mpirun.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

namespace minnow::test_support {

std::string mpirun_path() { return MINNOW_MPIRUN; }

std::vector<std::string> mpirun_train_args(int ranks, const std::string& config,
                                           const std::vector<std::string>& overrides) {
  std::vector<std::string> args = {"--allow-run-as-root", "--oversubscribe", "--bind-to", "none",
                                   "-np", std::to_string(ranks), MINNOW_CLI_PATH, "train", config};
  for (const auto& o : overrides) {
    args.push_back("--set");
    args.push_back(o);
  }
  return args;
}

CliRun run_mpirun(const std::vector<std::string>& args, const std::filesystem::path& folder) {
  return run_program(mpirun_path(), args, folder);
}

Background::Background(const std::string& program, const std::vector<std::string>& args,
                       const std::filesystem::path& folder)
    : err_path_(folder / "background_stderr.txt") {
  std::vector<std::string> words = {program};
  words.insert(words.end(), args.begin(), args.end());
  const std::string out_path = (folder / "background_stdout.txt").string();
  const std::string err_path = err_path_.string();
  pid_ = fork();
  if (pid_ == 0) {
    setpgid(0, 0);
    // No terminal input: a background process group reading it would be stopped (SIGTTIN).
    if (!freopen("/dev/null", "r", stdin) || !freopen(out_path.c_str(), "w", stdout) ||
        !freopen(err_path.c_str(), "w", stderr))
      _exit(127);
    std::vector<char*> argv;
    for (auto& w : words) argv.push_back(w.data());
    argv.push_back(nullptr);
    execv(program.c_str(), argv.data());
    _exit(127);
  }
}

Background::~Background() {
  if (pid_ > 0 && !reaped_) {
    kill(-pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
}

int Background::wait(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      reaped_ = true;
      if (WIFEXITED(status)) return WEXITSTATUS(status);
      return 128 + WTERMSIG(status);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return -1;
}

std::string Background::err() const { return read_text(err_path_); }

std::vector<pid_t> pids_of(const std::string& prefix) {
  std::vector<pid_t> pids;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(entry.path() / "cmdline", std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    std::string line = text.str();
    for (char& c : line)
      if (c == '\0') c = ' ';
    if (line.starts_with(prefix)) pids.push_back(static_cast<pid_t>(std::stoi(name)));
  }
  return pids;
}

bool wait_for_lines(const std::filesystem::path& path, int lines, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(path);
    int count = 0;
    for (std::string line; std::getline(in, line);) ++count;
    if (count >= lines) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

}  // namespace minnow::test_support
