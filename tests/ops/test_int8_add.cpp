// int8_add against the sum of the dequantized operands in double, requantized:
// s8 + s8 (MobileNet-v2's residual), u8 + s8 with relu, layouts that differ, f32 out.
#include <gtest/gtest.h>

#include <algorithm>

#include "ops/int8/add.h"
#include "tests/support/errors.h"
#include "tests/support/int8_checks.h"

namespace minnow {
namespace {

struct AddCase {
  Dims dims;
  DType a, b, out;
  bool relu;
  dnnl::memory::format_tag a_layout, b_layout;
};

TEST(Int8Add, MatchesDoubleReference) {
  using tag = dnnl::memory::format_tag;
  const AddCase cases[] = {
      {{3, 24, 7, 7}, DType::s8, DType::s8, DType::s8, false, tag::nhwc, tag::nhwc},
      {{1, 24, 5, 5}, DType::u8, DType::s8, DType::u8, true, tag::nhwc, tag::nchw},
      {{3, 40, 4, 4}, DType::s8, DType::u8, DType::f32, false, tag::nChw16c, tag::nhwc},
      {{1, 32, 6, 6}, DType::s8, DType::s8, DType::u8, true, tag::nChw16c, tag::nChw16c},
  };
  Rng rng(9);
  for (const auto& t : cases) {
    SCOPED_TRACE(testing::Message() << dims_str(t.dims) << " " << dtype_name(t.a) << " + " << dtype_name(t.b)
                                    << " -> " << dtype_name(t.out) << (t.relu ? " relu" : ""));
    QTensor a = test_support::random_qtensor(t.dims, t.a, 0.0213f, rng);
    QTensor b = test_support::random_qtensor(t.dims, t.b, 0.0347f, rng);
    a.data = a.data.to_layout(dnnl::memory::desc(t.dims, to_dnnl(t.a), t.a_layout));
    b.data = b.data.to_layout(dnnl::memory::desc(t.dims, to_dnnl(t.b), t.b_layout));
    // 213 a + 347 b is never an odd multiple of 611 / 2, so no output sits exactly on a .5 tie.
    const std::vector<double> ra = test_support::real_values(a), rb = test_support::real_values(b);
    std::vector<double> ref(ra.size());
    for (size_t i = 0; i < ref.size(); ++i) ref[i] = t.relu ? std::max(ra[i] + rb[i], 0.0) : ra[i] + rb[i];
    const QTensor y = int8_add(a, b, t.out, 0.0611f, t.relu);
    EXPECT_EQ(y.data.desc(), dnnl::memory::desc(t.dims, to_dnnl(t.out), t.a_layout)) << "output not in a's layout";
    test_support::expect_matches_quantized(y, ref);
  }
}

TEST(Int8Add, RejectsDifferentDims) {
  Rng rng(1);
  const QTensor a = test_support::random_qtensor({1, 8, 2, 2}, DType::s8, 0.1f, rng);
  const QTensor b = test_support::random_qtensor({1, 8, 2, 3}, DType::s8, 0.1f, rng);
  test_support::expect_error([&] { int8_add(a, b, DType::s8, 0.1f); }, "expected b of a's dims [1, 8, 2, 2]");
}

}  // namespace
}  // namespace minnow
