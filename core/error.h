// minnow's single error path: MINNOW_CHECK(cond, parts...) throws minnow::Error
// carrying "file:line: message". The message parts are streamed together, so a
// check reads like the sentence it prints. The CLI catches Error and prints one line;
// printable() keeps text taken from files and users from breaking it.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace minnow {

class Error : public std::runtime_error {
 public:
  Error(std::string message, std::string location)
      : std::runtime_error(std::move(message)), location_(std::move(location)) {}
  // "core/tensor.cpp:42", where the failed check lives.
  const std::string& location() const { return location_; }

 private:
  std::string location_;
};

// text from a file or a user as a message may show it: each control character written
// as \n or \xNN, so that the message stays one line.
std::string printable(std::string_view text);

namespace detail {
[[noreturn]] void throw_error(const char* file, int line, const std::string& message);

template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  return out.str();
}
}  // namespace detail

}  // namespace minnow

#define MINNOW_CHECK(cond, ...)                                                         \
  do {                                                                                  \
    if (!(cond)) ::minnow::detail::throw_error(__FILE__, __LINE__,                      \
                                               ::minnow::detail::concat(__VA_ARGS__)); \
  } while (false)

#define MINNOW_FAIL(...) \
  ::minnow::detail::throw_error(__FILE__, __LINE__, ::minnow::detail::concat(__VA_ARGS__))
