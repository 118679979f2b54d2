// ImageNet-style folders: root/<class>/**/*.{jpg,jpeg,png,bmp}, classes sorted
// by name and files sorted by path. Images are decoded on every get(); bad
// ones follow the on_bad_image policy. Caching decoded images is
// data/cache.h's job, splitting into train and val data/subset.h's.
#pragma once

#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "data/decode.h"

namespace minnow::data {

struct FolderOptions {
  int channels = 3;  // 3: RGB (alpha dropped, gray replicated); 1: luma
  BadImagePolicy on_bad_image = BadImagePolicy::error;
  int64_t max_pixels = DecodeOptions{}.max_pixels;  // larger images count as bad
};

class FolderDataset : public Dataset {
 public:
  // Scans root. Hidden entries (names starting with '.') and files of other
  // types are ignored; a root with no class folders, or a class folder with
  // no images, is an error.
  explicit FolderDataset(const std::filesystem::path& root, FolderOptions options = {});

  int64_t size() const override { return static_cast<int64_t>(files_.size()); }
  const std::vector<std::string>& class_names() const override { return class_names_; }
  int channels() const override { return options_.channels; }
  int32_t label(int64_t index) const override;
  std::optional<Sample> get(int64_t index) const override { return get_partial(index, {}); }
  std::optional<Sample> get_partial(int64_t index, const DecodeRequester& request) const override;
  std::string source(int64_t index) const override;
  int64_t skipped() const override;

  const std::filesystem::path& root() const { return root_; }
  const std::filesystem::path& path(int64_t index) const;

 private:
  void scan();

  std::filesystem::path root_;
  FolderOptions options_;
  std::vector<std::string> class_names_;
  std::vector<std::filesystem::path> files_;
  std::vector<int32_t> labels_;
  mutable std::mutex bad_mutex_;
  mutable std::set<int64_t> bad_;  // indices already logged and skipped
};

// True for the extensions a folder dataset reads (case-insensitive).
bool is_image_file(const std::filesystem::path& path);

}  // namespace minnow::data
