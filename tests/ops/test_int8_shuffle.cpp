// int8_channel_shuffle against the permutation applied to the real values in double:
// u8 and s8, nhwc, nChw16c and plain layouts, groups 2 to 4; jit kernels for ShuffleNet.
#include <gtest/gtest.h>

#include <tuple>

#include "ops/int8/shuffle.h"
#include "tests/support/errors.h"
#include "tests/support/int8_checks.h"

namespace minnow {
namespace {

// y[:, i g + j] = x[:, j (C/g) + i], row-major (N, C, H, W).
std::vector<double> reference_shuffle(const QTensor& x, int64_t groups) {
  const Dims d = x.data.dims();
  const std::vector<double> real = test_support::real_values(x);
  const int64_t c = d[1], area = d[2] * d[3], per_group = c / groups;
  std::vector<double> y(real.size());
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t i = 0; i < per_group; ++i)
      for (int64_t j = 0; j < groups; ++j)
        for (int64_t a = 0; a < area; ++a)
          y[static_cast<size_t>((n * c + i * groups + j) * area + a)] =
              real[static_cast<size_t>((n * c + j * per_group + i) * area + a)];
  return y;
}

struct ShuffleCase {
  Dims dims;
  int64_t groups;
  DType type;
  dnnl::memory::format_tag layout;
};

TEST(Int8ChannelShuffle, MatchesThePermutedRealValues) {
  using tag = dnnl::memory::format_tag;
  const ShuffleCase cases[] = {{{2, 24, 5, 5}, 3, DType::u8, tag::nhwc},
                               {{1, 48, 4, 4}, 2, DType::s8, tag::nChw16c},
                               {{3, 12, 3, 3}, 4, DType::s8, tag::nchw},
                               {{1, 116, 3, 3}, 2, DType::u8, tag::nhwc}};
  Rng rng(21);
  for (const auto& t : cases) {
    SCOPED_TRACE(testing::Message() << dims_str(t.dims) << " g" << t.groups << " " << dtype_name(t.type));
    const QTensor x = test_support::random_qtensor(t.dims, t.type, 0.037f, t.layout, rng);
    const QTensor y = int8_channel_shuffle(x, t.groups);
    EXPECT_EQ(y.data.desc(), x.data.desc()) << "output not in x's layout";
    EXPECT_EQ(y.scale, x.scale);
    test_support::expect_matches_quantized(y, reference_shuffle(x, t.groups));
  }
}

// ShuffleNet v2 (116 channels, 2 groups) and v1 (240 channels, 3 groups) on nhwc, the int8
// convs' layout, and plain nchw. (On nChw16c int8, oneDNN 2.6's shuffle is ref:any.)
TEST(Int8ChannelShuffle, RunsNoReferenceKernelWithoutChannelBlocks) {
  using tag = dnnl::memory::format_tag;
  Rng rng(22);
  for (DType type : {DType::u8, DType::s8}) {
    for (const auto& [c, groups, layout] : {std::tuple{116, 2, tag::nhwc}, {240, 3, tag::nhwc}, {240, 3, tag::nchw}}) {
      const QTensor x = test_support::random_qtensor({2, c, 14, 14}, type, 0.05f, layout, rng);
      const std::string impl = int8_channel_shuffle_impl(x, groups);
      EXPECT_FALSE(impl.starts_with("ref")) << dtype_name(type) << " C " << c << " g" << groups << " runs " << impl;
    }
  }
}

TEST(Int8ChannelShuffle, RejectsBadInputsWithClearErrors) {
  Rng rng(23);
  const QTensor x = test_support::random_qtensor({1, 6, 2, 2}, DType::u8, 0.1f, rng);
  test_support::expect_error([&] { int8_channel_shuffle(x, 4); },
                             "divide the 6 channels of input [1, 6, 2, 2], got groups 4");
  const QTensor f32{Tensor::zeros({1, 6, 2, 2}), 1.f};
  test_support::expect_error([&] { int8_channel_shuffle(f32, 2); }, "expected a u8 or s8 input, got f32");
  const QTensor flat = test_support::random_qtensor({2, 6}, DType::s8, 0.1f, rng);
  test_support::expect_error([&] { int8_channel_shuffle(flat, 2); }, "expected input dims (N, C, H, W), got [2, 6]");
}

}  // namespace
}  // namespace minnow
