// int8_global_avg_pool against the mean of the dequantized input in double: u8 and
// s8 inputs, f32 and requantized outputs, plain and blocked layouts, 24 to 164 channels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ops/int8/pool.h"
#include "tests/support/errors.h"
#include "tests/support/int8_checks.h"

namespace minnow {
namespace {

std::vector<double> reference_mean(const QTensor& x) {
  const Dims d = x.data.dims();
  const std::vector<double> real = test_support::real_values(x);
  const size_t area = static_cast<size_t>(d[2] * d[3]);
  std::vector<double> mean(static_cast<size_t>(d[0] * d[1]), 0.0);
  for (size_t i = 0; i < real.size(); ++i) mean[i / area] += real[i] / static_cast<double>(area);
  return mean;
}

struct GapCase {
  int64_t n, c, hw;
  DType in, out;
  dnnl::memory::format_tag layout;
};

TEST(Int8GlobalAvgPool, MatchesDoubleReference) {
  using tag = dnnl::memory::format_tag;
  const GapCase cases[] = {{3, 24, 7, DType::u8, DType::f32, tag::nhwc}, {1, 24, 7, DType::u8, DType::u8, tag::nhwc},
                           {3, 40, 5, DType::s8, DType::s8, tag::nChw16c}, {3, 24, 4, DType::s8, DType::f32, tag::nchw},
                           {1, 64, 7, DType::u8, DType::s8, tag::nChw16c},
                           // f32 out: int32 sums in blocks of 64 channels, here two and a tail of 36
                           {2, 164, 9, DType::s8, DType::f32, tag::nhwc}};
  Rng rng(8);
  for (const auto& t : cases) {
    SCOPED_TRACE(testing::Message() << "n" << t.n << " c" << t.c << " " << t.hw << "x" << t.hw << " "
                                    << dtype_name(t.in) << " -> " << dtype_name(t.out));
    const Dims dims{t.n, t.c, t.hw, t.hw};
    QTensor x = test_support::random_qtensor(dims, t.in, 0.04f, rng);
    x.data = x.data.to_layout(dnnl::memory::desc(dims, to_dnnl(t.in), t.layout));
    const std::vector<double> ref = reference_mean(x);
    // Requantized outputs: the largest mean maps to 250 (u8) or 120 (s8) steps.
    double largest = 0;
    for (double v : ref) largest = std::max(largest, std::abs(v));
    const QTensor y = int8_global_avg_pool(x, t.out, static_cast<float>(largest / (t.out == DType::u8 ? 250 : 120)));
    EXPECT_EQ(y.data.dims(), (Dims{t.n, t.c, 1, 1}));
    test_support::expect_matches_quantized(y, ref);
  }
}

TEST(Int8GlobalAvgPool, RejectsAnF32Input) {
  const QTensor x{Tensor::zeros({1, 2, 3, 3}), 1.f};
  test_support::expect_error([&] { int8_global_avg_pool(x, DType::f32); }, "expected a u8 or s8 input, got f32");
}

}  // namespace
}  // namespace minnow
