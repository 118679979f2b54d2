// Builds the Error thrown by MINNOW_CHECK: the location is kept apart from the
// message so the CLI can print the message alone and log the location.
#include "core/error.h"

#include <cstring>

namespace minnow::detail {

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

}  // namespace minnow::detail
