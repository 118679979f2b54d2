// int8_gate_channels against the definition: the dequantized input times its (sample, channel)
// gate in double, requantized; s8 and u8 in, nhwc and blocked inputs, a u8 output that
// saturates negative products at 0, and the bad gate named.
#include <gtest/gtest.h>

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

TEST(Int8GateChannels, RejectsAGateOfOtherDims) {
  Rng rng(1);
  const QTensor x = test_support::random_qtensor({2, 8, 3, 3}, DType::s8, 0.1f, rng);
  test_support::expect_error([&] { int8_gate_channels(x, Tensor::zeros({2, 4}), DType::s8, 0.1f); },
                             "int8_gate_channels: expected a plain f32 gate (2, 8), got f32 [2, 4]");
}

}  // namespace
}  // namespace minnow
