// quantize / dequantize / quantize_weights: round half to even, saturation, layouts kept.
#include <gtest/gtest.h>

#include "ops/int8/qtensor.h"
#include "tests/support/errors.h"
#include "tests/support/int8_checks.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

TEST(Int8Quantize, RoundsHalfToEvenAndSaturates) {
  // With scale 0.5, x / scale = 2x: ties at 0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 63.75 * 2 = 127.5.
  const std::vector<float> x{0.25f, 0.75f, 1.25f, -0.25f, -0.75f, -1.25f, 63.75f, 100.f, -100.f, 0.3f};
  const QTensor s8 = quantize(Tensor::from_plain({10}, x), 0.5f, DType::s8);
  EXPECT_EQ(s8.data.dtype(), DType::s8);
  EXPECT_EQ(s8.scale, 0.5f);
  EXPECT_EQ(s8.data.to_plain(), (std::vector<float>{0, 2, 2, 0, -2, -2, 127, 127, -128, 1}));
  const QTensor u8 = quantize(Tensor::from_plain({10}, x), 0.5f, DType::u8);
  EXPECT_EQ(u8.data.to_plain(), (std::vector<float>{0, 2, 2, 0, 0, 0, 128, 200, 0, 1}));
  EXPECT_EQ(dequantize(u8).to_plain(), (std::vector<float>{0, 1, 1, 0, 0, 0, 64, 100, 0, 0.5f}));
}

TEST(Int8Quantize, KeepsABlockedLayoutAndRoundTripsWithinHalfAStep) {
  Rng rng(2);
  const Dims dims{2, 24, 5, 5};
  const auto blocked = dnnl::memory::desc(dims, dt::f32, dnnl::memory::format_tag::nChw16c);
  const Tensor x = test_support::random_tensor(dims, rng, -3.f, 3.f).to_layout(blocked);
  const QTensor q = quantize(x, 0.03f, DType::s8);
  EXPECT_EQ(q.data.desc(), dnnl::memory::desc(dims, dt::s8, dnnl::memory::format_tag::nChw16c));
  const Tensor back = dequantize(q);
  EXPECT_EQ(back.desc(), blocked);
  const auto xv = x.to_plain(), bv = back.to_plain(), qv = q.data.to_plain();
  for (size_t i = 0; i < xv.size(); ++i) {
    EXPECT_LE(std::abs(bv[i] - xv[i]), 0.015f + 1e-6f) << i;
    EXPECT_EQ(qv[i], test_support::quantized_value(xv[i], 0.03f, DType::s8)) << i;
  }
}

TEST(Int8Quantize, WeightsPerOutputChannel) {
  const Tensor w = Tensor::from_plain({2, 1, 1, 3}, std::vector<float>{1.f, -2.f, 300.f, 0.25f, 0.75f, -0.3f});
  const Tensor q = quantize_weights(w, {0.5f, 0.5f / 2});
  EXPECT_EQ(q.dtype(), DType::s8);
  EXPECT_EQ(q.to_plain(), (std::vector<float>{2, -4, 127, 1, 3, -1}));
  test_support::expect_error([&] { quantize_weights(w, {1.f}); }, "expected 2 scales");
  test_support::expect_error([&] { quantize(w, 0.f, DType::s8); }, "expected scale > 0, got 0");
}

}  // namespace
}  // namespace minnow
