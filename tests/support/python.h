// Test helpers for talking to the Python side: runs tests/parity/*.py scripts with the
// interpreter fixed at configure time (MINNOW_PYTHON) and gives each test its own scratch folder.
// Nothing here knows about particular ops or file formats.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace minnow::test_support {

// text quoted for a POSIX shell command line (single quotes).
std::string shell_quote(const std::string& text);

// Absolute path of tests/parity/<name> in the source tree.
std::string parity_script(const std::string& name);

// Runs MINNOW_PYTHON <script> <args...> (each argument shell-quoted); output goes to the
// test log. Returns the exit status, or -1 when the interpreter did not exit normally.
int run_python(const std::string& script, const std::vector<std::string>& args);

// An empty folder under testing::TempDir(), unique to the running test, process and object.
// It is removed when the object goes, unless the test has failed (then it stays to inspect).
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  // path()/name as a string, for APIs that take paths as strings.
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

}  // namespace minnow::test_support
