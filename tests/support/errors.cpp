// The error-message check used by the op tests.
#include "tests/support/errors.h"

#include <gtest/gtest.h>

#include "core/error.h"

namespace minnow::test_support {

void expect_error(const std::function<void()>& f, const std::string& text) {
  try {
    f();
    ADD_FAILURE() << "expected an error containing: " << text;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
  }
}

}  // namespace minnow::test_support
