// int8_pool2d against minnow's f32 max_pool2d / avg_pool2d of the dequantized input:
// max keeps the integers, avg requantizes; the stems' 3x3 s2 pools, SqueezeNet's ceil
// mode, ShuffleNet v1's padded average, count_include_pad both ways, windows hanging
// past the padded input; u8 and s8, nhwc, nChw16c and plain layouts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/grad_mode.h"
#include "ops/int8/pool2d.h"
#include "ops/pooling.h"
#include "tests/support/errors.h"
#include "tests/support/int8_checks.h"

namespace minnow {
namespace {

using tag = dnnl::memory::format_tag;
using Kind = Int8Pool2dOptions::Kind;

// The f32 pooling of the dequantized x, row-major, in double.
std::vector<double> reference_pool(const QTensor& x, const Int8Pool2dOptions& o) {
  const NoGrad no_grad;
  const Pool2dOptions f32{o.kernel, o.stride, o.padding, o.ceil_mode, o.count_include_pad};
  const Var y = o.kind == Kind::max ? max_pool2d(Var(dequantize(x)), f32) : avg_pool2d(Var(dequantize(x)), f32);
  const std::vector<float> v = y.data().to_plain();
  return {v.begin(), v.end()};
}

struct Pool2dCase {
  Dims dims;
  DType type;
  tag layout;
  Int8Pool2dOptions options;
  bool rescale;  // avg: requantize to an output scale of its own
  Dims out;
};

std::ostream& operator<<(std::ostream& out, const Pool2dCase& t) {
  const auto& o = t.options;
  return out << (o.kind == Kind::max ? "max" : "avg") << " k" << o.kernel << " s" << o.stride << " p" << o.padding
             << (o.ceil_mode ? " ceil" : "") << (o.count_include_pad ? "" : " exclude_pad") << " "
             << dims_str(t.dims) << " " << dtype_name(t.type);
}

TEST(Int8Pool2d, MatchesF32PoolingOfTheDequantizedInput) {
  const Pool2dCase cases[] = {
      {{2, 24, 9, 9}, DType::u8, tag::nhwc, {Kind::max, 3, 2, 1}, false, {2, 24, 5, 5}},             // ResNet stem
      {{1, 32, 8, 8}, DType::s8, tag::nChw16c, {Kind::max, 3, 2, 0, true}, false, {1, 32, 4, 4}},     // SqueezeNet
      {{2, 24, 14, 14}, DType::u8, tag::nhwc, {Kind::max, 3, 2, 0, true}, false, {2, 24, 7, 7}},
      {{1, 24, 8, 8}, DType::s8, tag::nchw, {Kind::max, 3, 2, 1, true}, false, {1, 24, 5, 5}},
      {{2, 24, 9, 9}, DType::u8, tag::nhwc, {Kind::avg, 3, 2, 1}, true, {2, 24, 5, 5}},              // ShuffleNet v1
      {{1, 32, 7, 7}, DType::s8, tag::nChw16c, {Kind::avg, 3, 2, 1, false, false}, true, {1, 32, 4, 4}},
      {{1, 24, 8, 8}, DType::u8, tag::nhwc, {Kind::avg, 3, 2, 0, true}, true, {1, 24, 4, 4}},         // overhang
      {{2, 24, 8, 8}, DType::s8, tag::nhwc, {Kind::avg, 3, 2, 1, true}, true, {2, 24, 5, 5}},         // overhang + pad
      {{1, 32, 8, 8}, DType::u8, tag::nChw16c, {Kind::avg, 3, 2, 1, true}, true, {1, 32, 5, 5}},
      {{1, 24, 7, 7}, DType::s8, tag::nchw, {Kind::avg, 2, 0, 0, true, false}, true, {1, 24, 4, 4}},
      {{2, 24, 9, 9}, DType::u8, tag::nhwc, {Kind::avg, 3, 2, 0}, false, {2, 24, 4, 4}},  // sums of 9: no .5 ties
  };
  Rng rng(51);
  for (const auto& t : cases) {
    SCOPED_TRACE(testing::Message() << t);
    const QTensor x = test_support::random_qtensor(t.dims, t.type, 0.043f, t.layout, rng);
    const std::vector<double> ref = reference_pool(x, t.options);
    double largest = 0;
    for (double v : ref) largest = std::max(largest, std::abs(v));
    const float out_scale = t.rescale ? static_cast<float>(largest / (t.type == DType::u8 ? 250 : 120)) : 0.f;
    const QTensor y = int8_pool2d(x, t.options, out_scale);
    EXPECT_EQ(y.data.desc(), dnnl::memory::desc(t.out, to_dnnl(t.type), t.layout)) << "output not in x's layout";
    EXPECT_EQ(y.scale, t.rescale ? out_scale : x.scale);
    test_support::expect_matches_quantized(y, ref);
  }
}

TEST(Int8Pool2d, RunsNoReferenceKernelOnNhwc) {
  const std::pair<const char*, Int8Pool2dOptions> pools[] = {
      {"max 3x3 s2 p1", {Kind::max, 3, 2, 1}},
      {"max 3x3 s2 ceil", {Kind::max, 3, 2, 0, true}},
      {"avg 3x3 s2 p1", {Kind::avg, 3, 2, 1}},
      {"avg 3x3 s2 p1 ceil", {Kind::avg, 3, 2, 1, true}},
  };
  Rng rng(52);
  for (DType type : {DType::u8, DType::s8}) {
    const QTensor x = test_support::random_qtensor({2, 116, 14, 14}, type, 0.05f, tag::nhwc, rng);
    for (const auto& [name, options] : pools) {
      const std::string impl = int8_pool2d_impl(x, options, options.kind == Kind::avg ? 0.04f : 0.f);
      EXPECT_FALSE(impl.starts_with("ref")) << dtype_name(type) << " " << name << " runs " << impl;
    }
  }
}

TEST(Int8Pool2d, RejectsBadInputsWithClearErrors) {
  Rng rng(53);
  const QTensor x = test_support::random_qtensor({1, 8, 6, 6}, DType::u8, 0.1f, rng);
  test_support::expect_error([&] { int8_pool2d(x, {Kind::max, 3, 2, 1}, 0.2f); },
                             "max pooling keeps the input's scale 0.1, got out_scale 0.2");
  test_support::expect_error([&] { int8_pool2d(x, {Kind::avg, 3, 2, 2}); },
                             "int8_pool2d: expected padding <= kernel / 2 = 1, got 2");
  test_support::expect_error([&] { int8_pool2d(x, {Kind::avg, 3, 2, 1}, -1.f); }, "got 0.1 and -1");
  const QTensor f32{Tensor::zeros({1, 8, 6, 6}), 1.f};
  test_support::expect_error([&] { int8_pool2d(f32, {Kind::max, 3, 2, 1}); }, "expected a u8 or s8 input, got f32");
}

}  // namespace
}  // namespace minnow
