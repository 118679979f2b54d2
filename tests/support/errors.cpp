// The error-message check shared by every suite.
#include "tests/support/errors.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace minnow::test_support {

void expect_error(const std::function<void()>& f, std::initializer_list<std::string> fragments) {
  try {
    f();
  } catch (const Error& e) {
    const std::string message = e.what();
    for (const auto& fragment : fragments)
      EXPECT_NE(message.find(fragment), std::string::npos) << "expected \"" << fragment << "\" in: " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "error spans several lines: " << message;
    return;
  }
  ADD_FAILURE() << "expected a minnow::Error holding \"" << (fragments.size() ? *fragments.begin() : "") << "\"";
}

}  // namespace minnow::test_support
