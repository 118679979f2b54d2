// ScratchDir: a fresh, empty temporary folder for one test, removed with
// everything in it when the object goes out of scope. Tests that write files
// (datasets, checkpoints, exports) use it instead of fixed paths.
#pragma once

#include <filesystem>
#include <string_view>

namespace minnow::testing {

class ScratchDir {
 public:
  // A new folder under the system temp dir whose name starts with tag.
  explicit ScratchDir(std::string_view tag);
  ~ScratchDir();
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

}  // namespace minnow::testing
