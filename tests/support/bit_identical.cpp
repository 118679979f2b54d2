// The bit-for-bit comparison behind the exact-resume tests.
#include "tests/support/bit_identical.h"

#include <gtest/gtest.h>

#include <cstring>

namespace minnow::test_support {

void expect_bit_identical(const SafeTensors& a, const SafeTensors& b) {
  ASSERT_EQ(a.tensors.size(), b.tensors.size());
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const auto& [name, ta] = a.tensors[i];
    const Tensor& tb = b.at(name);
    ASSERT_EQ(ta.bytes(), tb.bytes()) << name;
    EXPECT_EQ(std::memcmp(ta.raw(), tb.raw(), ta.bytes()), 0) << name << " differs";
  }
}

}  // namespace minnow::test_support
