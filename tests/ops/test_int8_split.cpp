// int8_split against slices of the real values in double: u8 and s8, nhwc pieces from
// nhwc, blocked pieces when no piece cuts a block, nhwc pieces when one does, plain.
#include <gtest/gtest.h>

#include "ops/int8/split.h"
#include "tests/support/errors.h"
#include "tests/support/int8_checks.h"

namespace minnow {
namespace {

using tag = dnnl::memory::format_tag;

// x[:, offset : offset + size], row-major (N, size, H, W).
std::vector<double> reference_slice(const QTensor& x, int64_t offset, int64_t size) {
  const Dims d = x.data.dims();
  const std::vector<double> real = test_support::real_values(x);
  const int64_t area = d[2] * d[3];
  std::vector<double> y;
  for (int64_t n = 0; n < d[0]; ++n)
    for (int64_t c = offset; c < offset + size; ++c)
      for (int64_t a = 0; a < area; ++a) y.push_back(real[static_cast<size_t>((n * d[1] + c) * area + a)]);
  return y;
}

struct SplitCase {
  Dims dims;
  std::vector<int64_t> sizes;
  DType type;
  tag layout, piece_layout;
};

TEST(Int8Split, PiecesMatchTheRealSlices) {
  const SplitCase cases[] = {{{2, 116, 5, 5}, {58, 58}, DType::u8, tag::nhwc, tag::nhwc},
                             {{1, 48, 4, 4}, {16, 32}, DType::s8, tag::nChw16c, tag::nChw16c},
                             {{1, 48, 4, 4}, {24, 24}, DType::u8, tag::nChw16c, tag::nhwc},
                             {{3, 10, 3, 3}, {3, 7}, DType::s8, tag::nchw, tag::nchw},
                             {{1, 30, 4, 4}, {10, 12, 8}, DType::s8, tag::nhwc, tag::nhwc}};
  Rng rng(31);
  for (const auto& t : cases) {
    SCOPED_TRACE(testing::Message() << dims_str(t.dims) << " into " << dims_str(t.sizes) << " " << dtype_name(t.type));
    const QTensor x = test_support::random_qtensor(t.dims, t.type, 0.029f, t.layout, rng);
    const std::vector<QTensor> pieces = int8_split(x, t.sizes);
    ASSERT_EQ(pieces.size(), t.sizes.size());
    int64_t offset = 0;
    for (size_t i = 0; i < pieces.size(); ++i) {
      const Dims piece_dims{t.dims[0], t.sizes[i], t.dims[2], t.dims[3]};
      EXPECT_EQ(pieces[i].data.desc(), dnnl::memory::desc(piece_dims, to_dnnl(t.type), t.piece_layout))
          << "piece " << i;
      EXPECT_EQ(pieces[i].scale, x.scale);
      test_support::expect_matches_quantized(pieces[i], reference_slice(x, offset, t.sizes[i]));
      offset += t.sizes[i];
    }
  }
}

TEST(Int8Split, RunsNoReferenceKernelOnNhwc) {
  Rng rng(32);
  for (DType type : {DType::u8, DType::s8}) {
    const QTensor x = test_support::random_qtensor({2, 116, 14, 14}, type, 0.05f, tag::nhwc, rng);
    const std::string impl = int8_split_impl(x, {58, 58});
    EXPECT_EQ(impl.find("ref"), std::string::npos) << dtype_name(type) << " runs " << impl;
  }
}

TEST(Int8Split, RejectsBadSizesWithClearErrors) {
  Rng rng(33);
  const QTensor x = test_support::random_qtensor({1, 6, 2, 2}, DType::u8, 0.1f, rng);
  test_support::expect_error([&] { int8_split(x, {2, 3}); },
                             "summing to the 6 channels of input [1, 6, 2, 2], got sizes [2, 3]");
  test_support::expect_error([&] { int8_split(x, {0, 6}); }, "got sizes [0, 6]");
  const QTensor f32{Tensor::zeros({1, 6, 2, 2}), 1.f};
  test_support::expect_error([&] { int8_split(f32, {3, 3}); }, "expected a u8 or s8 input, got f32");
}

}  // namespace
}  // namespace minnow
