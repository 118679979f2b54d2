// Reads a file into memory with POSIX-style error reporting: the message
// says which file and why (errno text), never just "failed".
#include "data/read_file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/error.h"

namespace minnow::data {

std::vector<uint8_t> read_file(const std::filesystem::path& path, std::string_view who) {
  std::ifstream in(path, std::ios::binary);
  MINNOW_CHECK(in.good(), who, ": ", path.string(), ": cannot open (", std::strerror(errno), ")");
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  MINNOW_CHECK(size >= 0, who, ": ", path.string(), ": cannot read (not a regular file?)");
  in.seekg(0, std::ios::beg);
  std::vector<uint8_t> bytes(static_cast<size_t>(size));
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  MINNOW_CHECK(in.gcount() == size, who, ": ", path.string(), ": read ", in.gcount(), " of ", size,
               " bytes (", std::strerror(errno), ")");
  return bytes;
}

}  // namespace minnow::data
