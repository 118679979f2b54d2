// depthwise_weight_grad against the definition in double, on nhwc and on nChw16c operands: the
// same floats from both layouts to the bit (40 channels leave half a block of nChw16c padding),
// for the small maps it runs on (2x2 and 1x1 under a padded 3x3, stride 1 and 2), and operands in
// mixed or other layouts refused.
#include <gtest/gtest.h>

#include <vector>

#include "core/rng.h"
#include "ops/depthwise_weight_grad.h"
#include "tests/support/errors.h"

namespace minnow {
namespace {

struct Case {
  Dims x;
  DepthwiseGeometry g;
};

// dw[c, 0, p, q] = sum over n, i, j of dy[n, c, i, j] x[n, c, i s - pad + p d, j s - pad + q d].
std::vector<double> reference(const std::vector<float>& x, const std::vector<float>& dy, const Dims& xd,
                              const Dims& yd, const DepthwiseGeometry& g) {
  const int64_t k = g.kernel;
  std::vector<double> dw(static_cast<size_t>(xd[1] * k * k), 0.0);
  for (int64_t n = 0; n < xd[0]; ++n)
    for (int64_t c = 0; c < xd[1]; ++c)
      for (int64_t i = 0; i < yd[2]; ++i)
        for (int64_t j = 0; j < yd[3]; ++j)
          for (int64_t p = 0; p < k; ++p)
            for (int64_t q = 0; q < k; ++q) {
              const int64_t ii = i * g.stride - g.padding + p * g.dilation, jj = j * g.stride - g.padding + q * g.dilation;
              if (ii < 0 || ii >= xd[2] || jj < 0 || jj >= xd[3]) continue;
              dw[static_cast<size_t>((c * k + p) * k + q)] +=
                  double(dy[static_cast<size_t>(((n * yd[1] + c) * yd[2] + i) * yd[3] + j)]) *
                  x[static_cast<size_t>(((n * xd[1] + c) * xd[2] + ii) * xd[3] + jj)];
            }
  return dw;
}

TEST(DepthwiseWeightGrad, NhwcAndNchw16cGiveTheDefinitionsSums) {
  Rng rng(41);
  for (const Case& t : {Case{{5, 40, 2, 2}, {3, 1, 1, 1}}, Case{{3, 32, 1, 1}, {3, 1, 1, 1}},
                        Case{{4, 48, 4, 4}, {3, 2, 1, 1}}, Case{{2, 16, 3, 3}, {5, 1, 2, 1}}}) {
    const Dims& xd = t.x;
    const int64_t oh = (xd[2] + 2 * t.g.padding - t.g.dilation * (t.g.kernel - 1) - 1) / t.g.stride + 1;
    const int64_t ow = (xd[3] + 2 * t.g.padding - t.g.dilation * (t.g.kernel - 1) - 1) / t.g.stride + 1;
    const Dims yd{xd[0], xd[1], oh, ow};
    SCOPED_TRACE(testing::Message() << "x " << dims_str(xd) << " dy " << dims_str(yd));
    std::vector<float> x(static_cast<size_t>(product(xd))), dy(static_cast<size_t>(product(yd)));
    rng.fill_normal(x, 0.f, 1.f);
    rng.fill_normal(dy, 0.f, 1.f);
    const Tensor xt = Tensor::from_plain(xd, x), dyt = Tensor::from_plain(yd, dy);
    const std::vector<float> nhwc =
        depthwise_weight_grad(xt.to_layout(nhwc_f32(xd)), dyt.to_layout(nhwc_f32(yd)), t.g).to_plain();
    const std::vector<float> blocked =
        depthwise_weight_grad(xt.to_layout(nchw16c_f32(xd)), dyt.to_layout(nchw16c_f32(yd)), t.g).to_plain();
    EXPECT_EQ(blocked, nhwc);
    const std::vector<double> want = reference(x, dy, xd, yd, t.g);
    ASSERT_EQ(nhwc.size(), want.size());
    for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(nhwc[i], static_cast<float>(want[i])) << "tap " << i;
  }
}

TEST(DepthwiseWeightGrad, RefusesOperandsInMixedLayouts) {
  const Dims d{2, 32, 2, 2};
  const Tensor x = Tensor::zeros(d);
  test_support::expect_error(
      [&] { depthwise_weight_grad(x.to_layout(nhwc_f32(d)), x.to_layout(nchw16c_f32(d)), {3, 1, 1, 1}); },
      "depthwise_weight_grad: expected f32 x and dy both nhwc or both nChw16c, got x [2, 32, 2, 2] and dy [2, 32, 2, "
      "2] in other layouts");
}

}  // namespace
}  // namespace minnow
