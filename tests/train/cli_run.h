// Running the built `minnow` command from a test: its exit code, stdout and stderr,
// captured through files in the test's scratch folder, and the CLI's error contract
// (a non-zero exit and exactly one stderr line starting "minnow: error:").
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace minnow::test_support {

struct CliRun {
  int exit_code = -1;  // -1 when the command did not exit normally
  std::string out;
  std::string err;
};

// Runs MINNOW_CLI_PATH with args (each shell-quoted); the output files go into folder.
CliRun run_minnow(const std::vector<std::string>& args, const std::filesystem::path& folder);
// The same for another program (a test's helper executable).
CliRun run_program(const std::string& program, const std::vector<std::string>& args,
                   const std::filesystem::path& folder);

// EXPECTs a non-zero exit and one stderr line: "minnow: error: ..." containing fragment.
void expect_one_line_error(const CliRun& run, const std::string& fragment);

std::string read_text(const std::filesystem::path& path);

}  // namespace minnow::test_support
