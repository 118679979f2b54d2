// Unique scratch folders: the name joins the tag, the process id and a
// per-process counter, so parallel ctest runs never share a folder.
#include "tests/support/scratch_dir.h"

#include <unistd.h>

#include <atomic>
#include <string>
#include <system_error>

namespace minnow::testing {

ScratchDir::ScratchDir(std::string_view tag) {
  static std::atomic<int> counter{0};
  path_ = std::filesystem::temp_directory_path() /
          (std::string("minnow-") + std::string(tag) + "-" + std::to_string(::getpid()) + "-" +
           std::to_string(counter++));
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace minnow::testing
