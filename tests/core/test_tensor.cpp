// Tensor factories, plain round trips through blocked layouts and other types,
// and the reorder counter.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/reorder.h"
#include "core/rng.h"
#include "core/tensor.h"

namespace minnow {
namespace {

using tag = dnnl::memory::format_tag;

std::vector<float> iota_values(int64_t n) {
  std::vector<float> v(static_cast<size_t>(n));
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) * 0.25f - 3.0f;
  return v;
}

TEST(Tensor, PlainRoundTripIsExact) {
  const Dims dims{3, 5, 7, 2};
  const auto values = iota_values(product(dims));
  const Tensor t = Tensor::from_plain(dims, values);
  EXPECT_TRUE(t.is_plain());
  EXPECT_EQ(t.numel(), 210);
  EXPECT_EQ(t.dtype(), DType::f32);
  EXPECT_EQ(t.to_plain(), values);
}

TEST(Tensor, BlockedLayoutKeepsLogicalOrderAndZeroPadding) {
  const Dims dims{2, 20, 3, 5};  // 20 channels pad to 32 in nChw16c
  const auto values = iota_values(product(dims));
  const Tensor blocked = Tensor::from_plain(dims, values).to_layout(dnnl::memory::desc(dims, dt::f32, tag::nChw16c));
  EXPECT_FALSE(blocked.is_plain());
  EXPECT_EQ(blocked.bytes(), sizeof(float) * 2 * 32 * 3 * 5);
  EXPECT_EQ(blocked.to_plain(), values);
  int64_t nonzero = 0;
  for (float v : blocked.f32_buffer()) nonzero += v != 0.0f;
  EXPECT_LE(nonzero, product(dims));  // the 12 padded channels hold zeros
}

TEST(Tensor, ConvertsToEveryType) {
  const std::vector<float> values{-3.0f, -1.0f, 0.0f, 2.0f, 5.0f, 300.0f};
  EXPECT_EQ(Tensor::from_plain({6}, values, DType::s32).to_plain(), values);
  EXPECT_EQ(Tensor::from_plain({6}, values, DType::bf16).to_plain(), values);
  EXPECT_EQ(Tensor::from_plain({6}, values, DType::s8).to_plain(),
            (std::vector<float>{-3, -1, 0, 2, 5, 127}));  // saturates
  EXPECT_EQ(Tensor::from_plain({6}, values, DType::u8).to_plain(), (std::vector<float>{0, 0, 0, 2, 5, 255}));
  EXPECT_EQ(dtype_size(DType::bf16), 2u);
}

TEST(Tensor, ReorderIsCountedAndSameLayoutIsFree) {
  const Tensor t = Tensor::zeros({1, 16, 4, 4});
  const uint64_t before = reorder_count();
  const Tensor same = t.to_layout(t.desc());
  EXPECT_EQ(same.raw(), t.raw());
  EXPECT_EQ(reorder_count(), before);
  (void)t.to_layout(dnnl::memory::desc({1, 16, 4, 4}, dt::f32, tag::nhwc));
  EXPECT_EQ(reorder_count(), before + 1);
}

TEST(Tensor, ReshapeSharesStorageAndChecksCount) {
  const Tensor t = Tensor::full({2, 6}, 1.5f);
  const Tensor r = t.reshape({3, 4});
  EXPECT_EQ(r.raw(), t.raw());
  EXPECT_EQ(r.dims(), (Dims{3, 4}));
  EXPECT_THROW((void)t.reshape({5}), Error);
}

TEST(Tensor, ViewSharesStorageUnderAnotherDescOfTheSameSize) {
  const Tensor s8 = Tensor::from_plain({2, 3}, std::vector<float>{-1, 2, -3, 4, -5, 6}, DType::s8);
  EXPECT_TRUE(s8.sole_owner());
  const Tensor u8 = s8.view(plain_desc({2, 3}, DType::u8));
  EXPECT_FALSE(s8.sole_owner());
  EXPECT_EQ(u8.raw(), s8.raw());
  EXPECT_EQ(u8.to_plain(), (std::vector<float>{255, 2, 253, 4, 251, 6}));  // the bytes, not converted
  EXPECT_THROW((void)s8.view(plain_desc({2, 3}, DType::f32)), Error);
  EXPECT_FALSE(Tensor().sole_owner());
}

// On one-pixel maps nchw, nhwc and unpadded nChw16c / nChw8c hold the same bytes, so to_layout
// between them is a view; with channel padding or more pixels it is a copy. Values are the
// same either way.
TEST(Tensor, ToLayoutOnOnePixelMapsIsAView) {
  const auto values = [](int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i) - 7.5f;
    return v;
  };
  struct Case {
    Dims dims;
    tag from, to;
    bool view;
  };
  for (const Case& c : {Case{{3, 32, 1, 1}, tag::nChw16c, tag::nhwc, true},
                        Case{{3, 32, 1, 1}, tag::nhwc, tag::nChw16c, true},
                        Case{{2, 24, 1, 1}, tag::nChw8c, tag::nchw, true},
                        Case{{3, 40, 1, 1}, tag::nChw16c, tag::nhwc, false},
                        Case{{3, 32, 2, 2}, tag::nChw16c, tag::nhwc, false}}) {
    SCOPED_TRACE(dims_str(c.dims));
    const Tensor x =
        Tensor::from_plain(c.dims, values(product(c.dims))).to_layout(dnnl::memory::desc(c.dims, dt::f32, c.from));
    const dnnl::memory::desc to(c.dims, dt::f32, c.to);
    const Tensor y = x.to_layout(to);
    EXPECT_EQ(y.desc(), to);
    EXPECT_EQ(y.raw() == x.raw(), c.view);
    EXPECT_EQ(y.to_plain(), values(product(c.dims)));
  }
}

TEST(Tensor, BadInputsGiveClearErrors) {
  const std::vector<float> three{1, 2, 3};
  try {
    (void)Tensor::from_plain({2, 2}, three);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("expected 4 values"), std::string::npos) << e.what();
    EXPECT_NE(e.location().find("core/tensor.cpp"), std::string::npos) << e.location();
  }
  EXPECT_THROW((void)Tensor::zeros(Dims{2, 0}), Error);
  EXPECT_THROW((void)Tensor::full({2}, 1.0f).dim(3), Error);
}

TEST(Rng, IsReproducibleAndRestorable) {
  Rng a(42), b(42);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(a.next_u64(), b.next_u64());
  const auto saved = a.state();
  const float x = a.normal();
  a.set_state(saved);
  EXPECT_EQ(a.normal(), x);
  EXPECT_NE(Rng(1).next_u64(), Rng(2).next_u64());
  EXPECT_NE(a.fork(1).next_u64(), a.fork(2).next_u64());
}

TEST(Rng, DistributionsHaveTheRightMoments) {
  Rng rng(7);
  const int n = 200000;
  double sum = 0, sq = 0, usum = 0;
  int counts[5] = {0, 0, 0, 0, 0};
  for (int i = 0; i < n; ++i) {
    const double z = rng.normal();
    sum += z;
    sq += z * z;
    const float u = rng.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    usum += u;
    ++counts[rng.below(5)];
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.02);
  EXPECT_NEAR(usum / n, 0.5, 0.005);
  for (int c : counts) EXPECT_NEAR(c, n / 5, n / 100);
}

}  // namespace
}  // namespace minnow
