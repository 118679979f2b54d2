// dequantized_linear against a double loop on the dequantized pooled features.
#include <gtest/gtest.h>

#include "ops/int8/classifier.h"
#include "tests/support/int8_checks.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

TEST(Int8Classifier, MatchesDoubleReferenceOnPooledFeatures) {
  Rng rng(12);
  const int64_t n = 3, k = 40, m = 10;
  QTensor features = test_support::random_qtensor({n, k, 1, 1}, DType::u8, 0.02f, rng);
  features.data = features.data.to_layout(dnnl::memory::desc({n, k, 1, 1}, dt::u8, dnnl::memory::format_tag::nhwc));
  const Tensor w = test_support::random_tensor({m, k}, rng);
  const Tensor b = test_support::random_tensor({m}, rng);
  const std::vector<double> x = test_support::real_values(features);
  const std::vector<float> wv = w.to_plain(), bv = b.to_plain();
  std::vector<double> ref(static_cast<size_t>(n * m));
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < m; ++j) {
      double acc = bv[static_cast<size_t>(j)];
      for (int64_t c = 0; c < k; ++c) acc += x[static_cast<size_t>(i * k + c)] * wv[static_cast<size_t>(j * k + c)];
      ref[static_cast<size_t>(i * m + j)] = acc;
    }
  const Tensor logits = dequantized_linear(features, w, b);
  EXPECT_EQ(logits.dims(), (Dims{n, m}));
  EXPECT_LE(test_support::closeness(logits.to_plain(), ref, 1e-5, 1e-5), 1.0);
}

}  // namespace
}  // namespace minnow
