// std::system with stdout and stderr redirected to files, then read back.
#include "tests/train/cli_run.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "tests/support/python.h"

namespace minnow::test_support {

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

CliRun run_minnow(const std::vector<std::string>& args, const std::filesystem::path& folder) {
  return run_program(MINNOW_CLI_PATH, args, folder);
}

CliRun run_program(const std::string& program, const std::vector<std::string>& args,
                   const std::filesystem::path& folder) {
  const auto out_path = folder / "cli_stdout.txt";
  const auto err_path = folder / "cli_stderr.txt";
  std::string command = shell_quote(program);
  for (const auto& word : args) command.append(" ").append(shell_quote(word));
  command.append(" >").append(shell_quote(out_path.string()));
  command.append(" 2>").append(shell_quote(err_path.string()));
  const int status = std::system(command.c_str());
  CliRun run;
  if (status != -1 && WIFEXITED(status)) run.exit_code = WEXITSTATUS(status);
  run.out = read_text(out_path);
  run.err = read_text(err_path);
  return run;
}

void expect_one_line_error(const CliRun& run, const std::string& fragment) {
  EXPECT_NE(run.exit_code, 0) << run.err;
  EXPECT_NE(run.exit_code, -1) << "minnow did not exit normally: " << run.err;
  EXPECT_TRUE(run.err.starts_with("minnow: error: ")) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  EXPECT_TRUE(run.err.ends_with("\n")) << run.err;
  EXPECT_NE(run.err.find(fragment), std::string::npos) << "expected \"" << fragment << "\" in: " << run.err;
}

}  // namespace minnow::test_support
