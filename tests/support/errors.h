// Checking minnow's error messages: a call must throw minnow::Error whose message
// contains the given text (the op, the argument, the expected and the received value).
#pragma once

#include <functional>
#include <string>

namespace minnow::test_support {

// EXPECTs that f throws minnow::Error with text in its message.
void expect_error(const std::function<void()>& f, const std::string& text);

}  // namespace minnow::test_support
