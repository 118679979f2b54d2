// Builds the Error thrown by MINNOW_CHECK: the location is kept apart from the
// message so the CLI can print the message alone and log the location. And
// printable(), the escaping of text that messages quote.
#include "core/error.h"

#include <cstring>

namespace minnow {

std::string printable(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (byte < 0x20 || byte == 0x7f) {
      out.append("\\x").append(1, kHex[byte >> 4]).append(1, kHex[byte & 15]);
    } else {
      out += c;
    }
  }
  return out;
}

namespace detail {

void throw_error(const char* file, int line, const std::string& message) {
  // Report paths relative to the source tree: "core/tensor.cpp", not the build machine's path.
  const char* shown = file;
  for (const char* layer : {"/core/", "/ops/", "/models/", "/data/", "/train/", "/tests/", "/bench/"}) {
    if (const char* at = std::strstr(file, layer)) {
      shown = at + 1;
      break;
    }
  }
  throw Error(message, std::string(shown) + ":" + std::to_string(line));
}

}  // namespace detail
}  // namespace minnow
