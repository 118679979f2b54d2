// POSIX file handling for atomic replacement, and the zlib CRC-32 over a checkpoint's content.
#include "train/checkpoint_io.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

#include "core/error.h"

namespace minnow {
namespace {

// A file descriptor closed on scope exit (errors of an explicit close() are checked by the caller).
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

// Removes the temporary file unless the rename has consumed it.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)) {}
  ~TempFile() {
    if (!path_.empty()) ::unlink(path_.c_str());
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  const std::string& path() const { return path_; }
  void keep() { path_.clear(); }

 private:
  std::string path_;
};

std::string temp_path_for(const std::filesystem::path& target) {
  static std::atomic<unsigned> counter{0};
  std::string name = ".";
  name.append(target.filename().string()).append(".tmp.").append(std::to_string(::getpid()));
  name.append(".").append(std::to_string(counter++));
  return (target.parent_path() / name).string();
}

void write_all(int fd, std::string_view bytes, const std::string& at) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    MINNOW_CHECK(n > 0, at, "write failed after ", bytes.size(), " bytes were left: ", std::strerror(errno));
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

uint32_t crc_update(uint32_t crc, const void* data, size_t size) {
  return static_cast<uint32_t>(crc32_z(crc, static_cast<const Bytef*>(data), size));
}

uint32_t crc_text(uint32_t crc, std::string_view text) {
  crc = crc_update(crc, text.data(), text.size());
  return crc_update(crc, "", 1);  // a separator, so "ab"+"c" differs from "a"+"bc"
}

std::string hex32(uint32_t value) {
  char text[9];
  std::snprintf(text, sizeof(text), "%08x", value);
  return text;
}

}  // namespace

void write_file_atomic(const std::string& path, std::string_view bytes, const AtomicWriteOptions& options) {
  const std::filesystem::path target(path);
  const std::string at = "writing '" + path + "': ";
  TempFile temp(temp_path_for(target));
  {
    Fd fd(::open(temp.path().c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644));
    MINNOW_CHECK(fd.get() >= 0, at, "cannot create the temporary file '", temp.path(), "': ", std::strerror(errno));
    write_all(fd.get(), bytes, at);
    MINNOW_CHECK(::fsync(fd.get()) == 0, at, "fsync of '", temp.path(), "' failed: ", std::strerror(errno));
    MINNOW_CHECK(::close(fd.release()) == 0, at, "close of '", temp.path(), "' failed: ", std::strerror(errno));
  }
  if (options.before_rename) options.before_rename(temp.path());
  MINNOW_CHECK(::rename(temp.path().c_str(), path.c_str()) == 0, at, "rename from '", temp.path(), "' failed: ",
               std::strerror(errno));
  temp.keep();

  const std::string folder = target.parent_path().empty() ? "." : target.parent_path().string();
  Fd dir(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  MINNOW_CHECK(dir.get() >= 0, at, "cannot open the folder '", folder, "' to fsync it: ", std::strerror(errno));
  MINNOW_CHECK(::fsync(dir.get()) == 0, at, "fsync of the folder '", folder, "' failed: ", std::strerror(errno));
}

uint32_t content_checksum(const SafeTensors& file) {
  uint32_t crc = static_cast<uint32_t>(crc32_z(0, nullptr, 0));
  for (const auto& [key, value] : file.metadata) {
    if (key == kChecksumKey) continue;
    crc = crc_text(crc_text(crc, key), value);
  }
  for (const auto& [name, tensor] : file.tensors) {
    crc = crc_text(crc_text(crc_text(crc, name), dtype_name(tensor.dtype())), dims_str(tensor.dims()));
    const Tensor plain = tensor.to_layout(plain_desc(tensor.dims(), tensor.dtype()));
    crc = crc_update(crc, plain.raw(), plain.bytes());
  }
  return crc;
}

void write_checkpoint_file(const std::string& path, const SafeTensors& file, const AtomicWriteOptions& options) {
  SafeTensors plain;
  plain.metadata = file.metadata;
  for (const auto& [name, tensor] : file.tensors) {
    MINNOW_CHECK(tensor.defined(), "checkpoint: writing '", path, "': tensor '", name, "' holds no data");
    plain.tensors.emplace_back(name, tensor.to_layout(plain_desc(tensor.dims(), tensor.dtype())));
  }
  plain.metadata[std::string(kChecksumKey)] = hex32(content_checksum(plain));
  write_file_atomic(path, encode_safetensors(plain), options);
}

SafeTensors read_checkpoint_file(const std::string& path) {
  SafeTensors file = load_safetensors(path);
  verify_checkpoint_checksum(file, path);
  return file;
}

void verify_checkpoint_checksum(const SafeTensors& file, const std::string& source) {
  const auto it = file.metadata.find(std::string(kChecksumKey));
  MINNOW_CHECK(it != file.metadata.end(), "checkpoint '", source, "': no '", kChecksumKey,
               "' in its metadata; expected a checkpoint written by minnow");
  const std::string computed = hex32(content_checksum(file));
  MINNOW_CHECK(it->second == computed, "checkpoint '", source, "' is corrupt: its content checksum is ", computed,
               " but the file records ", printable(it->second));
}

}  // namespace minnow
