// int8_concat against the concatenated real values in double, requantized: nhwc parts of
// the output's type and scale (rows copied), other scales, types and layouts (reorders;
// s8 parts into u8 clamp at 0, a concat + ReLU), nhwc, blocked and plain parts.
#include <gtest/gtest.h>

#include <algorithm>

#include "ops/int8/concat.h"
#include "tests/support/errors.h"
#include "tests/support/int8_checks.h"

namespace minnow {
namespace {

using tag = dnnl::memory::format_tag;

// [p_0, p_1, ...] along channels, row-major (n, sum C_i, H, W).
std::vector<double> reference_concat(const std::vector<QTensor>& parts, int64_t n) {
  std::vector<std::vector<double>> real;
  for (const auto& p : parts) real.push_back(test_support::real_values(p));
  std::vector<double> y;
  for (int64_t b = 0; b < n; ++b)
    for (const auto& r : real) {
      const auto block = static_cast<int64_t>(r.size()) / n;
      y.insert(y.end(), r.begin() + b * block, r.begin() + (b + 1) * block);
    }
  return y;
}

struct PartSpec {
  int64_t channels;
  DType type;
  float scale;
  tag layout;
};

struct ConcatCase {
  int64_t n, hw;
  std::vector<PartSpec> parts;
  DType out;
  float out_scale;
};

std::vector<QTensor> make_parts(int64_t n, int64_t hw, const std::vector<PartSpec>& specs, Rng& rng) {
  std::vector<QTensor> parts;
  for (const auto& s : specs) {
    parts.push_back(test_support::random_qtensor({n, s.channels, hw, hw}, s.type, s.scale, s.layout, rng));
  }
  return parts;
}

TEST(Int8Concat, MatchesDoubleReference) {
  // 213, 347 and 611 share no factor, so q 213 / 611 and q 347 / 611 are never a .5 tie.
  const ConcatCase cases[] = {
      {2, 5, {{24, DType::u8, 0.0611f, tag::nhwc}, {40, DType::u8, 0.0611f, tag::nhwc}}, DType::u8, 0.0611f},
      // copied rows split between threads (147 KiB)
      {2, 24, {{64, DType::s8, 0.0611f, tag::nhwc}, {64, DType::s8, 0.0611f, tag::nhwc}}, DType::s8, 0.0611f},
      {1, 4, {{16, DType::s8, 0.0611f, tag::nChw16c}, {8, DType::s8, 0.0611f, tag::nhwc}}, DType::s8, 0.0611f},
      {2, 5, {{24, DType::s8, 0.0213f, tag::nhwc}, {24, DType::s8, 0.0347f, tag::nhwc}}, DType::u8, 0.0611f},
      {3, 3, {{12, DType::u8, 0.0213f, tag::nhwc}, {20, DType::s8, 0.0347f, tag::nChw16c}}, DType::s8, 0.0611f},
      {1, 6, {{32, DType::u8, 0.0611f, tag::nhwc}, {10, DType::s8, 0.0347f, tag::nchw}, {6, DType::u8, 0.0213f,
                                                                                          tag::nhwc}},
       DType::u8, 0.0611f},
  };
  Rng rng(41);
  for (size_t c = 0; c < std::size(cases); ++c) {
    const auto& t = cases[c];
    SCOPED_TRACE(testing::Message() << "case " << c << " -> " << dtype_name(t.out));
    const std::vector<QTensor> parts = make_parts(t.n, t.hw, t.parts, rng);
    const std::vector<double> ref = reference_concat(parts, t.n);
    const QTensor y = int8_concat(parts, t.out, t.out_scale);
    int64_t channels = 0;
    for (const auto& s : t.parts) channels += s.channels;
    EXPECT_EQ(y.data.desc(), dnnl::memory::desc({t.n, channels, t.hw, t.hw}, to_dnnl(t.out), tag::nhwc));
    EXPECT_EQ(y.scale, t.out_scale);
    test_support::expect_matches_quantized(y, ref);
    const bool signed_parts =
        std::any_of(parts.begin(), parts.end(), [](const auto& p) { return p.data.dtype() == DType::s8; });
    if (t.out == DType::u8 && signed_parts) {
      const std::vector<float> q = y.data.to_plain();
      EXPECT_GT(std::count(q.begin(), q.end(), 0.f), static_cast<long>(q.size() / 16))
          << "negative parts did not clamp at 0";
    }
  }
}

TEST(Int8Concat, RunsNoReferenceKernelOnNhwc) {
  Rng rng(42);
  for (DType type : {DType::u8, DType::s8}) {
    const std::vector<QTensor> same =
        make_parts(2, 14, {{116, type, 0.05f, tag::nhwc}, {116, type, 0.05f, tag::nhwc}}, rng);
    const std::vector<QTensor> other =
        make_parts(2, 14, {{116, DType::s8, 0.03f, tag::nhwc}, {116, DType::u8, 0.07f, tag::nhwc}}, rng);
    const std::vector<QTensor> blocked =
        make_parts(2, 14, {{116, type, 0.05f, tag::nChw16c}, {116, type, 0.05f, tag::nhwc}}, rng);
    for (const auto& [name, parts] :
         {std::pair{"same type and scale", same}, {"requantized", other}, {"a blocked part", blocked}}) {
      const std::string impl = int8_concat_impl(parts, type, 0.05f);
      EXPECT_EQ(impl.find("ref"), std::string::npos) << dtype_name(type) << " " << name << " runs " << impl;
    }
  }
}

TEST(Int8Concat, RejectsBadPartsWithClearErrors) {
  Rng rng(43);
  const QTensor a = test_support::random_qtensor({1, 4, 3, 3}, DType::u8, 0.1f, rng);
  const QTensor b = test_support::random_qtensor({1, 4, 3, 2}, DType::u8, 0.1f, rng);
  test_support::expect_error([&] { int8_concat({a, b}, DType::u8, 0.1f); },
                             "part 1 has dims [1, 4, 3, 2], expected [1, *, 3, 3]");
  const QTensor f32{Tensor::zeros({1, 4, 3, 3}), 1.f};
  test_support::expect_error([&] { int8_concat({a, f32}, DType::u8, 0.1f); },
                             "expected u8 or s8 parts, got part 1 f32");
  test_support::expect_error([&] { int8_concat({a}, DType::f32, 0.1f); }, "expected out_type u8 or s8, got f32");
  test_support::expect_error([&] { int8_concat({a}, DType::u8, 0.f); }, "expected out_scale > 0, got 0");
  test_support::expect_error([&] { int8_concat({}, DType::u8, 0.1f); }, "expected at least one part, got none");
}

}  // namespace
}  // namespace minnow
