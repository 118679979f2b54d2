// Runs the parity scripts through std::system and makes per-test scratch folders.
#include "tests/support/python.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>

namespace minnow::test_support {

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string parity_script(const std::string& name) { return std::string(MINNOW_SOURCE_DIR) + "/tests/parity/" + name; }

int run_python(const std::string& script, const std::vector<std::string>& args) {
  std::string command = shell_quote(MINNOW_PYTHON);
  command.append(" ").append(shell_quote(script));
  for (const auto& word : args) command.append(" ").append(shell_quote(word));
  const int status = std::system(command.c_str());
  if (status == -1 || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

ScratchDir::ScratchDir() {
  static int count = 0;
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string name = "minnow-";
  name.append(std::to_string(::getpid())).append("-").append(std::to_string(count++));
  if (info != nullptr) name += std::string("-") + info->test_suite_name() + "-" + info->name();
  for (char& c : name) {
    if (c == '/') c = '_';
  }
  path_ = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(path_, ignored);
}

}  // namespace minnow::test_support
