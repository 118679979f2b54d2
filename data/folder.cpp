// Folder scanning and decoding with the bad-image policy. Under skip, each
// bad file is logged once (spdlog warning) and counted, and get() returns
// nullopt for it; under error, the first bad file stops the run by name.
#include "data/folder.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "core/error.h"
#include "data/read_file.h"

namespace minnow::data {
namespace fs = std::filesystem;
namespace {

bool hidden(const fs::path& path) { return path.filename().string().starts_with('.'); }

std::vector<fs::path> images_under(const fs::path& dir) {
  std::vector<fs::path> files;
  auto it = fs::recursive_directory_iterator(dir);
  for (; it != fs::recursive_directory_iterator(); ++it) {
    if (hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_image_file(it->path())) files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

bool is_image_file(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
  return ext == ".jpg" || ext == ".jpeg" || ext == ".png" || ext == ".bmp";
}

FolderDataset::FolderDataset(const fs::path& root, FolderOptions options) : root_(root), options_(options) {
  MINNOW_CHECK(options_.channels == 1 || options_.channels == 3, "folder: channels ", options_.channels,
               ", expected 1 or 3");
  MINNOW_CHECK(options_.max_pixels > 0, "folder: max_pixels ", options_.max_pixels, ", expected > 0");
  MINNOW_CHECK(fs::is_directory(root_), "folder: ", root_.string(), ": not a directory");
  try {
    scan();
  } catch (const fs::filesystem_error& e) {
    MINNOW_FAIL("folder: ", root_.string(), ": cannot scan (", e.what(), ")");
  }
}

void FolderDataset::scan() {
  std::vector<fs::path> class_dirs;
  for (const auto& entry : fs::directory_iterator(root_)) {
    if (entry.is_directory() && !hidden(entry.path())) class_dirs.push_back(entry.path());
  }
  std::sort(class_dirs.begin(), class_dirs.end());
  MINNOW_CHECK(!class_dirs.empty(), "folder: ", root_.string(), ": no class folders, expected root/<class>/<image>");
  for (const auto& dir : class_dirs) {
    const auto images = images_under(dir);
    MINNOW_CHECK(!images.empty(), "folder: ", dir.string(), ": class folder has no images (.jpg, .jpeg, .png, .bmp)");
    const auto label = static_cast<int32_t>(class_names_.size());
    class_names_.push_back(dir.filename().string());
    files_.insert(files_.end(), images.begin(), images.end());
    labels_.insert(labels_.end(), images.size(), label);
  }
}

int32_t FolderDataset::label(int64_t index) const {
  check_index(index, size(), "folder");
  return labels_[static_cast<size_t>(index)];
}

const fs::path& FolderDataset::path(int64_t index) const {
  check_index(index, size(), "folder");
  return files_[static_cast<size_t>(index)];
}

std::string FolderDataset::source(int64_t index) const { return path(index).string(); }

std::optional<Sample> FolderDataset::get_partial(int64_t index, const DecodeRequester& request) const {
  const auto& file = path(index);
  try {
    const DecodeOptions decode{.channels = options_.channels, .max_pixels = options_.max_pixels, .request = request};
    Sample sample{.image = {}, .label = labels_[static_cast<size_t>(index)], .region = {}};
    sample.image = decode_image(read_file(file, "folder"), decode, file.string(), request ? &sample.region : nullptr);
    return sample;
  } catch (const Error& e) {
    if (options_.on_bad_image == BadImagePolicy::error) throw;
    std::lock_guard lock(bad_mutex_);
    if (bad_.insert(index).second) spdlog::warn("skipping bad image: {}", e.what());
    return std::nullopt;
  }
}

int64_t FolderDataset::skipped() const {
  std::lock_guard lock(bad_mutex_);
  return static_cast<int64_t>(bad_.size());
}

}  // namespace minnow::data
