// Checking minnow's error messages: a call must throw minnow::Error whose message is one
// line holding every given fragment (the op or key, the argument, the expected and the
// received value). The one helper every suite uses.
#pragma once

#include <functional>
#include <initializer_list>
#include <string>

namespace minnow::test_support {

// EXPECTs that f throws minnow::Error, one line, with every fragment in its message.
void expect_error(const std::function<void()>& f, std::initializer_list<std::string> fragments);
inline void expect_error(const std::function<void()>& f, const std::string& fragment) {
  expect_error(f, std::initializer_list<std::string>{fragment});
}

}  // namespace minnow::test_support
