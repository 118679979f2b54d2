// The opt-in primitive timer: time accumulates only while timing is on, across every
// primitive run through execute_primitive (here a reorder), and resets to zero.
#include <gtest/gtest.h>

#include "core/primitive_timer.h"
#include "core/reorder.h"

namespace minnow {
namespace {

TEST(PrimitiveTimer, CountsOnlyWhileEnabled) {
  const Tensor plain = Tensor::full({8, 32, 16, 16}, 1.5f);
  const dnnl::memory::desc blocked({8, 32, 16, 16}, dt::f32, dnnl::memory::format_tag::nChw16c);
  set_primitive_timing(false);
  reset_primitive_nanoseconds();
  reorder(plain, blocked);
  EXPECT_EQ(primitive_nanoseconds(), 0);

  set_primitive_timing(true);
  EXPECT_TRUE(primitive_timing());
  reorder(plain, blocked);
  const int64_t once = primitive_nanoseconds();
  EXPECT_GT(once, 0);
  reorder(plain, blocked);
  EXPECT_GT(primitive_nanoseconds(), once);

  set_primitive_timing(false);
  const int64_t stopped = primitive_nanoseconds();
  reorder(plain, blocked);
  EXPECT_EQ(primitive_nanoseconds(), stopped);
  reset_primitive_nanoseconds();
  EXPECT_EQ(primitive_nanoseconds(), 0);
}

}  // namespace
}  // namespace minnow
