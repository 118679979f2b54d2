// int8_gate_channels against the definition: the dequantized input times its (sample, channel)
// gate in double, requantized; s8 and u8 in, nhwc and blocked inputs, a u8 output that
// saturates negative products at 0, the f32 product rounded half to even to the bit, and the
// bad gate named.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ops/int8/channel_gate.h"
#include "tests/support/errors.h"
#include "tests/support/int8_checks.h"

namespace minnow {
namespace {

struct GateCase {
  Dims dims;
  DType in, out;
  dnnl::memory::format_tag layout;
};

TEST(Int8GateChannels, MatchesDoubleReference) {
  using tag = dnnl::memory::format_tag;
  const GateCase cases[] = {
      {{3, 24, 7, 7}, DType::s8, DType::s8, tag::nhwc},
      {{2, 40, 5, 5}, DType::u8, DType::s8, tag::nhwc},
      {{1, 32, 4, 4}, DType::s8, DType::u8, tag::nChw16c},
  };
  Rng rng(5);
  for (const auto& t : cases) {
    SCOPED_TRACE(testing::Message() << dims_str(t.dims) << " " << dtype_name(t.in) << " -> " << dtype_name(t.out));
    QTensor x = test_support::random_qtensor(t.dims, t.in, 0.0213f, rng);
    x.data = x.data.to_layout(dnnl::memory::desc(t.dims, to_dnnl(t.in), t.layout));
    std::vector<float> g(static_cast<size_t>(t.dims[0] * t.dims[1]));
    for (float& v : g) v = rng.uniform();  // a sigmoid's range
    const Tensor gate = Tensor::from_plain({t.dims[0], t.dims[1]}, g);
    const std::vector<double> real = test_support::real_values(x);  // (N, C, H, W) row-major
    const int64_t pixels = t.dims[2] * t.dims[3];
    std::vector<double> ref(real.size());
    for (size_t i = 0; i < ref.size(); ++i) ref[i] = real[i] * g[i / static_cast<size_t>(pixels)];
    const float out_scale = 0.0131f;
    const QTensor y = int8_gate_channels(x, gate, t.out, out_scale);
    EXPECT_EQ(y.scale, out_scale);
    EXPECT_EQ(y.data.desc(), dnnl::memory::desc(t.dims, to_dnnl(t.out), tag::nhwc));
    test_support::expect_matches_quantized(y, ref);
  }
}

// The kernel's contract to the bit: the product in f32 of the integer and the multiplier
// x.scale * gate / out_scale, rounded half to even and saturated. 58 channels leave a tail
// past every vector width; the gate spans [-2, 2] so both types saturate somewhere.
TEST(Int8GateChannels, IsTheF32ProductRoundedHalfToEven) {
  const Dims dims{2, 58, 6, 5};
  Rng rng(11);
  for (const DType out : {DType::s8, DType::u8}) {
    SCOPED_TRACE(dtype_name(out));
    const QTensor x = test_support::random_qtensor(dims, DType::s8, 0.047f, dnnl::memory::format_tag::nhwc, rng);
    std::vector<float> g(static_cast<size_t>(dims[0] * dims[1]));
    for (float& v : g) v = 4.f * rng.uniform() - 2.f;
    const float out_scale = 0.0313f;
    const QTensor y = int8_gate_channels(x, Tensor::from_plain({dims[0], dims[1]}, g), out, out_scale);
    const std::vector<float> q = x.data.to_plain(), got = y.data.to_plain();
    const float lo = out == DType::u8 ? 0.f : -128.f, hi = out == DType::u8 ? 255.f : 127.f;
    const size_t pixels = static_cast<size_t>(dims[2] * dims[3]);
    size_t saturated = 0;
    for (size_t i = 0; i < q.size(); ++i) {
      const float want = std::clamp(std::nearbyint(q[i] * (x.scale * g[i / pixels] / out_scale)), lo, hi);
      ASSERT_EQ(got[i], want) << "element " << i;
      saturated += want == lo || want == hi;
    }
    EXPECT_GT(saturated, 0u);
  }
}

// Given its only holder, the product is written over the input's integers; given a shared or a
// blocked input, or another output type, it comes in a new buffer and the input is left as it was.
TEST(Int8GateChannels, TakingTheInputWritesOverItsIntegers) {
  const Dims dims{1, 40, 9, 9};
  Rng rng(13);
  const QTensor x = test_support::random_qtensor(dims, DType::u8, 0.02f, dnnl::memory::format_tag::nhwc, rng);
  std::vector<float> g(static_cast<size_t>(dims[1]));
  for (float& v : g) v = rng.uniform();
  const Tensor gate = Tensor::from_plain({dims[0], dims[1]}, g);
  const float out_scale = 0.011f;
  const std::vector<float> want = int8_gate_channels(x, gate, DType::u8, out_scale).data.to_plain();

  QTensor owned{x.data.clone(), x.scale};
  const void* buffer = owned.data.raw();
  const QTensor in_place = int8_gate_channels(std::move(owned), gate, DType::u8, out_scale);
  EXPECT_EQ(in_place.data.raw(), buffer) << "the product was not written over the input";
  EXPECT_EQ(in_place.data.to_plain(), want);

  QTensor shared{x.data.clone(), x.scale};
  const Tensor kept = shared.data;
  const QTensor copied = int8_gate_channels(std::move(shared), gate, DType::u8, out_scale);
  EXPECT_NE(copied.data.raw(), kept.raw()) << "an input another tensor holds was written over";
  EXPECT_EQ(copied.data.to_plain(), want);
  EXPECT_EQ(kept.to_plain(), x.data.to_plain());

  QTensor other_type{x.data.clone(), x.scale};
  const void* other_buffer = other_type.data.raw();
  const QTensor s8 = int8_gate_channels(std::move(other_type), gate, DType::s8, out_scale);
  EXPECT_NE(s8.data.raw(), other_buffer);
  EXPECT_EQ(s8.data.dtype(), DType::s8);
}

TEST(Int8GateChannels, RejectsAGateOfOtherDims) {
  Rng rng(1);
  const QTensor x = test_support::random_qtensor({2, 8, 3, 3}, DType::s8, 0.1f, rng);
  test_support::expect_error([&] { int8_gate_channels(x, Tensor::zeros({2, 4}), DType::s8, 0.1f); },
                             "int8_gate_channels: expected a plain f32 gate (2, 8), got f32 [2, 4]");
}

}  // namespace
}  // namespace minnow
