// Int8Conv against a double-precision reference on the dequantized inputs: normal,
// strided and padded, grouped, depthwise, pointwise and stem convolutions, u8 and s8
// inputs, u8/s8/f32 outputs, relu/relu6/sum/hardswish/swish/hardsigmoid post-ops, batch 1 and 3,
// 24 channels.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "core/reorder.h"
#include "ops/int8/concat.h"
#include "ops/int8/conv.h"
#include "ops/layout.h"
#include "tests/support/errors.h"
#include "tests/support/int8_checks.h"

namespace minnow {
namespace {

struct QConvCase {
  int64_t n, c, h, w, o, k, stride, padding, groups;
  DType in, out;
  Int8PostOp op;
};

const char* op_name(Int8PostOp op) {
  switch (op) {
    case Int8PostOp::none: return "none";
    case Int8PostOp::relu: return "relu";
    case Int8PostOp::relu6: return "relu6";
    case Int8PostOp::sum: return "sum";
    case Int8PostOp::sum_relu: return "sum_relu";
    case Int8PostOp::hardswish: return "hardswish";
    case Int8PostOp::swish: return "swish";
    case Int8PostOp::hardsigmoid: return "hardsigmoid";
  }
  return "?";
}

std::ostream& operator<<(std::ostream& out, const QConvCase& t) {
  return out << "n" << t.n << "_c" << t.c << "_" << t.h << "x" << t.w << "_o" << t.o << "_k" << t.k << "_s" << t.stride
             << "_p" << t.padding << "_g" << t.groups << "_" << dtype_name(t.in) << "_to_" << dtype_name(t.out) << "_"
             << op_name(t.op);
}

const QConvCase kCases[] = {
    {1, 8, 13, 13, 16, 3, 1, 1, 1, DType::u8, DType::u8, Int8PostOp::relu},        // plain 3x3
    {3, 24, 9, 9, 24, 3, 2, 1, 1, DType::s8, DType::s8, Int8PostOp::none},         // stride 2 + padding
    {3, 24, 7, 7, 48, 3, 1, 1, 3, DType::u8, DType::s8, Int8PostOp::none},         // grouped g=3
    {1, 24, 10, 10, 24, 3, 1, 1, 24, DType::u8, DType::u8, Int8PostOp::relu6},     // depthwise
    {3, 24, 11, 11, 24, 3, 2, 1, 24, DType::u8, DType::u8, Int8PostOp::relu6},     // depthwise stride 2
    {3, 24, 8, 8, 24, 3, 1, 1, 24, DType::s8, DType::f32, Int8PostOp::none},       // depthwise, s8 in, f32 out
    {3, 24, 7, 7, 40, 1, 1, 0, 1, DType::s8, DType::s8, Int8PostOp::sum},          // 1x1 + residual
    {1, 24, 7, 7, 24, 1, 1, 0, 1, DType::u8, DType::u8, Int8PostOp::sum_relu},     // 1x1 + residual + relu
    {3, 40, 6, 6, 24, 1, 1, 0, 1, DType::u8, DType::s8, Int8PostOp::none},         // 1x1 linear bottleneck
    {1, 24, 5, 5, 24, 1, 1, 0, 1, DType::s8, DType::f32, Int8PostOp::sum},         // f32 output + residual
    {1, 16, 6, 6, 24, 1, 1, 0, 1, DType::u8, DType::f32, Int8PostOp::relu6},       // f32 output, clip at 6
    {3, 3, 16, 16, 16, 3, 2, 1, 1, DType::u8, DType::u8, Int8PostOp::relu6},       // stem, u8 image
    {1, 3, 15, 15, 24, 3, 2, 1, 1, DType::s8, DType::s8, Int8PostOp::none},        // stem, s8 image
    {1, 3, 16, 16, 16, 3, 2, 1, 1, DType::s8, DType::s8, Int8PostOp::hardswish},   // MobileNet-v3 stem
    {3, 24, 9, 9, 24, 5, 1, 2, 24, DType::s8, DType::s8, Int8PostOp::hardswish},   // depthwise 5x5
    {3, 16, 7, 7, 40, 1, 1, 0, 1, DType::s8, DType::s8, Int8PostOp::swish},        // 1x1 expansion (SiLU)
    {1, 24, 8, 8, 24, 3, 2, 1, 24, DType::s8, DType::s8, Int8PostOp::swish},       // depthwise stride 2
    {1, 24, 6, 6, 16, 1, 1, 0, 1, DType::u8, DType::f32, Int8PostOp::hardswish},   // f32 output
    {3, 24, 6, 6, 24, 1, 1, 0, 1, DType::s8, DType::u8, Int8PostOp::hardsigmoid},  // a gate in [0, 1]
};

// The post-ops that are activations, on real values.
double activate(Int8PostOp op, double v) {
  switch (op) {
    case Int8PostOp::relu:
    case Int8PostOp::sum_relu: return std::max(v, 0.0);
    case Int8PostOp::relu6: return std::clamp(v, 0.0, 6.0);
    case Int8PostOp::hardswish: return v * std::clamp(v + 3.0, 0.0, 6.0) / 6.0;
    case Int8PostOp::swish: return v / (1.0 + std::exp(-v));
    case Int8PostOp::hardsigmoid: return std::clamp(v + 3.0, 0.0, 6.0) / 6.0;
    case Int8PostOp::none:
    case Int8PostOp::sum: return v;
  }
  return v;
}

struct Layer {
  Int8ConvOptions options;
  std::vector<double> x, w;  // real input (N, C, H, W) and weight (O, C/g, k, k), row-major
  QTensor input;
};

// Random integer input and weights; weight scales such that the real conv spans about
// [-12, 12] (so relu6 clips), a real bias in [-1, 1], and the output scale maps the
// largest real output to 120 steps (250 for u8 outputs after a clip at 6: 6 / 250).
Layer make_layer(const QConvCase& t, Rng& rng) {
  Layer l;
  auto& o = l.options;
  o.in_channels = t.c, o.out_channels = t.o, o.kernel = t.k, o.stride = t.stride, o.padding = t.padding;
  o.groups = t.groups, o.batch = t.n, o.height = t.h, o.width = t.w;
  o.in_type = t.in, o.out_type = t.out, o.post_op = t.op;
  o.in_scale = 0.05f;
  l.input = test_support::random_qtensor({t.n, t.c, t.h, t.w}, t.in, o.in_scale, rng);
  l.x = test_support::real_values(l.input);
  o.weights = test_support::random_ints({t.o, t.c / t.groups, t.k, t.k}, DType::s8, -127, 127, rng);
  const std::vector<float> wq = o.weights.to_plain();
  const double fan_in = static_cast<double>(t.c / t.groups * t.k * t.k);
  const double typical = (t.in == DType::u8 ? 127.0 : 73.0) * o.in_scale * 73.0 * std::sqrt(fan_in);
  for (int64_t c = 0; c < t.o; ++c) {
    o.w_scales.push_back(static_cast<float>(6.0 / typical * (0.5 + rng.uniform())));
    o.bias.push_back(rng.uniform(-1.f, 1.f));
  }
  l.w.resize(wq.size());
  const size_t per_out = wq.size() / static_cast<size_t>(t.o);
  for (size_t i = 0; i < wq.size(); ++i) l.w[i] = static_cast<double>(o.w_scales[i / per_out]) * wq[i];
  return l;
}

// Real conv + bias, (N, O, OH, OW) row-major.
std::vector<double> reference_conv(const QConvCase& t, const Layer& l) {
  const int64_t cg = t.c / t.groups, og = t.o / t.groups;
  const int64_t oh = (t.h + 2 * t.padding - t.k) / t.stride + 1, ow = (t.w + 2 * t.padding - t.k) / t.stride + 1;
  std::vector<double> y(static_cast<size_t>(t.n * t.o * oh * ow));
  size_t yi = 0;
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t oc = 0; oc < t.o; ++oc)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = l.options.bias[static_cast<size_t>(oc)];
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t p = 0; p < t.k; ++p)
              for (int64_t q = 0; q < t.k; ++q) {
                const int64_t ii = i * t.stride - t.padding + p, jj = j * t.stride - t.padding + q;
                if (ii < 0 || ii >= t.h || jj < 0 || jj >= t.w) continue;
                const int64_t xc = oc / og * cg + c;
                acc += l.x[static_cast<size_t>(((n * t.c + xc) * t.h + ii) * t.w + jj)] *
                       l.w[static_cast<size_t>(((oc * cg + c) * t.k + p) * t.k + q)];
              }
          y[yi++] = acc;
        }
  return y;
}

class Int8ConvTest : public ::testing::TestWithParam<QConvCase> {};

TEST_P(Int8ConvTest, MatchesDoubleReference) {
  const QConvCase t = GetParam();
  Rng rng(17);
  Layer l = make_layer(t, rng);
  std::vector<double> ref = reference_conv(t, l);
  double largest = 0;
  for (double v : ref) largest = std::max(largest, std::abs(v));
  const bool clip6 = t.op == Int8PostOp::relu6;
  const bool gate = t.op == Int8PostOp::hardsigmoid;
  l.options.out_scale = clip6 && t.out == DType::u8 ? 6.f / 250 : gate ? 1.f / 250 : static_cast<float>(largest / 120);

  QTensor residual;
  if (t.op == Int8PostOp::sum || t.op == Int8PostOp::sum_relu) {
    l.options.residual_scale = t.out == DType::f32 ? 0.03f : l.options.out_scale;
    const DType r_type = t.out == DType::f32 ? DType::s8 : t.out;
    residual = test_support::random_qtensor({t.n, t.o, (t.h + 2 * t.padding - t.k) / t.stride + 1,
                                             (t.w + 2 * t.padding - t.k) / t.stride + 1},
                                            r_type, l.options.residual_scale, rng);
    const std::vector<double> r = test_support::real_values(residual);
    for (size_t i = 0; i < ref.size(); ++i) ref[i] += r[i];
  }
  for (auto& v : ref) v = activate(t.op, v);
  if (clip6) {
    ASSERT_GT(std::count_if(ref.begin(), ref.end(), [](double v) { return v == 6.0; }), 0) << "relu6 never clips";
  }
  if (gate || t.op == Int8PostOp::hardswish) {  // both saturating ends reached
    ASSERT_GT(std::count_if(ref.begin(), ref.end(), [](double v) { return v == 0.0; }), 0) << "never saturates at 0";
  }

  const Int8Conv conv(l.options);
  const QTensor y = conv.forward(l.input, residual.data.defined() ? &residual : nullptr);
  EXPECT_EQ(y.scale, t.out == DType::f32 ? 1.f : l.options.out_scale);
  test_support::expect_matches_quantized(y, ref);
  // A second call on the same dims reuses the primitive and gives the same integers.
  const QTensor again = conv.forward(l.input, residual.data.defined() ? &residual : nullptr);
  EXPECT_EQ(again.data.to_plain(), y.data.to_plain());
}

INSTANTIATE_TEST_SUITE_P(Shapes, Int8ConvTest, ::testing::ValuesIn(kCases), [](const auto& param_info) {
  std::ostringstream name;
  name << param_info.param;
  return name.str();
});

// ResNet's downsample blocks: an s8 projection shortcut summed into a u8 output after
// ReLU, and a u8 residual into an s8 output. The residual's negative values must count.
TEST(Int8Conv, SumsAResidualOfTheOtherType) {
  const std::pair<QConvCase, DType> cases[] = {
      {{3, 24, 7, 7, 40, 1, 1, 0, 1, DType::u8, DType::u8, Int8PostOp::sum_relu}, DType::s8},
      {{1, 16, 9, 9, 24, 3, 2, 1, 1, DType::u8, DType::u8, Int8PostOp::sum_relu}, DType::s8},
      {{2, 24, 6, 6, 32, 1, 1, 0, 1, DType::s8, DType::s8, Int8PostOp::sum}, DType::u8},
  };
  for (const auto& [t, r_type] : cases) {
    SCOPED_TRACE(testing::Message() << t << " + " << dtype_name(r_type) << " residual");
    Rng rng(19);
    Layer l = make_layer(t, rng);
    std::vector<double> ref = reference_conv(t, l);
    double largest = 0;
    for (double v : ref) largest = std::max(largest, std::abs(v));
    l.options.out_scale = static_cast<float>(largest / 120);
    l.options.residual_scale = r_type == DType::s8 ? 0.0437f : 0.0137f;
    l.options.residual_type = r_type;
    const int64_t oh = (t.h + 2 * t.padding - t.k) / t.stride + 1, ow = (t.w + 2 * t.padding - t.k) / t.stride + 1;
    const QTensor residual = test_support::random_qtensor({t.n, t.o, oh, ow}, r_type, l.options.residual_scale, rng);
    const std::vector<double> r = test_support::real_values(residual);
    size_t flipped = 0;  // outputs the residual's sign decides: a residual read as out_type would get them wrong
    for (size_t i = 0; i < ref.size(); ++i) {
      flipped += ref[i] > 0 && ref[i] + r[i] < 0;
      ref[i] += r[i];
      if (t.op == Int8PostOp::sum_relu) ref[i] = std::max(ref[i], 0.0);
    }
    if (r_type == DType::s8) {
      ASSERT_GT(flipped, ref.size() / 50);
    }
    const Int8Conv conv(l.options);
    const QTensor y = conv.forward(l.input, &residual);
    test_support::expect_matches_quantized(y, ref);
    const std::string impl = conv.impl(l.input.data.dims());
    EXPECT_FALSE(impl.starts_with("ref")) << "runs " << impl;
  }
}

Int8ConvOptions pointwise(int64_t c, int64_t o, int64_t hw, Rng& rng) {
  Int8ConvOptions opt;
  opt.in_channels = c, opt.out_channels = o, opt.height = hw, opt.width = hw, opt.batch = 2;
  opt.weights = test_support::random_ints({o, c, 1, 1}, DType::s8, -127, 127, rng);
  opt.w_scales.assign(static_cast<size_t>(o), 0.002f);
  opt.in_scale = 0.05f, opt.out_scale = 0.05f, opt.post_op = Int8PostOp::relu;
  return opt;
}

// forward taking the residual over writes the sum over the residual's buffer when nothing else
// holds it, and copies it (as forward(x, &residual) does) when something does: the same integers.
TEST(Int8Conv, TakingTheResidualOverSumsInItsBuffer) {
  Rng rng(23);
  for (const DType r_type : {DType::u8, DType::s8}) {
    SCOPED_TRACE(dtype_name(r_type));
    Int8ConvOptions o = pointwise(24, 40, 7, rng);
    o.post_op = Int8PostOp::sum_relu, o.residual_scale = 0.04f, o.residual_type = r_type;
    const Int8Conv conv(o);
    const QTensor x = test_support::random_qtensor({2, 24, 7, 7}, DType::u8, o.in_scale, rng);
    const QTensor r0 = test_support::random_qtensor({2, 40, 7, 7}, r_type, o.residual_scale, rng);
    const dnnl::memory::desc y_md = conv.forward(x, &r0).data.desc();
    const QTensor residual{r0.data.to_layout(with_dtype(y_md, r_type)), r0.scale};
    const std::vector<float> want = conv.forward(x, &residual).data.to_plain();

    QTensor owned{residual.data.clone(), residual.scale};
    const void* buffer = owned.data.raw();
    const QTensor in_place = conv.forward(x, std::move(owned));
    EXPECT_EQ(in_place.data.raw(), buffer) << "the sum was not written over the residual";
    EXPECT_EQ(in_place.data.desc(), y_md);
    EXPECT_EQ(in_place.data.to_plain(), want);

    QTensor shared{residual.data.clone(), residual.scale};
    const Tensor kept = shared.data;
    const QTensor copied = conv.forward(x, std::move(shared));
    EXPECT_NE(copied.data.raw(), kept.raw()) << "a residual another tensor holds was written over";
    EXPECT_EQ(copied.data.to_plain(), want);
    EXPECT_EQ(kept.to_plain(), residual.data.to_plain());
  }
}

TEST(Int8Conv, ChainedLayersMoveNoActivationAndReorderWeightsOnlyAtBuild) {
  Rng rng(3);
  const Int8Conv expand(pointwise(24, 48, 14, rng));
  Int8ConvOptions dw_opt = pointwise(48, 48, 14, rng);
  dw_opt.kernel = 3, dw_opt.padding = 1, dw_opt.groups = 48;
  dw_opt.weights = test_support::random_ints({48, 1, 3, 3}, DType::s8, -127, 127, rng);
  const Int8Conv depthwise(dw_opt);
  const Int8Conv project(pointwise(48, 24, 14, rng));

  const QTensor x{test_support::random_qtensor({2, 24, 14, 14}, DType::u8, 0.05f, rng).data.to_layout(
                      expand.input_desc({2, 24, 14, 14})),
                  0.05f};
  const uint64_t weights_before = weight_reorder_count();
  project.forward(depthwise.forward(expand.forward(x)));  // warm-up
  const uint64_t reorders_before = reorder_count();
  const QTensor y = project.forward(depthwise.forward(expand.forward(x)));
  EXPECT_EQ(reorder_count(), reorders_before) << "a chain of int8 convs reordered an activation";
  EXPECT_EQ(weight_reorder_count(), weights_before) << "weights were reordered after build";
  EXPECT_EQ(y.data.dims(), (Dims{2, 24, 14, 14}));
}

// requant: the conv's output requantized in its own pass equals the conv and then int8_concat's
// requantizing reorder, bit for bit: 1x1, 3x3 and depthwise kernels, the post-ops requant takes,
// u8 and s8 on both sides, ratios with exact .5 ties (out_scale / requant scale = 0.5 on odd q)
// and with saturation (3).
TEST(Int8Conv, RequantIsTheConvThenTheConcatsRequantization) {
  struct Shape {
    int64_t kernel, stride, groups;
  };
  const Int8PostOp ops[] = {Int8PostOp::relu, Int8PostOp::relu6, Int8PostOp::none, Int8PostOp::sum_relu};
  Rng rng(8);
  for (const Shape shape : {Shape{1, 1, 1}, Shape{3, 1, 1}, Shape{3, 2, 40}}) {
    for (const Int8PostOp op : ops) {
      for (const DType to : {DType::u8, DType::s8}) {
        for (const float ratio : {0.5f, 3.f, 0.61f}) {
          const DType out = op == Int8PostOp::none ? DType::s8 : DType::u8;
          SCOPED_TRACE(testing::Message() << "kernel " << shape.kernel << " groups " << shape.groups << " "
                                          << op_name(op) << " " << dtype_name(out) << " -> " << dtype_name(to)
                                          << " ratio " << ratio);
          const int64_t in = shape.groups == 1 ? 24 : 40, hw = 9, oh = (hw + shape.kernel / 2 * 2 - shape.kernel) /
                                                                            shape.stride + 1;
          Int8ConvOptions o = pointwise(in, 40, hw, rng);
          o.kernel = shape.kernel, o.stride = shape.stride, o.padding = shape.kernel / 2, o.groups = shape.groups;
          o.weights =
              test_support::random_ints({40, in / shape.groups, shape.kernel, shape.kernel}, DType::s8, -127, 127, rng);
          o.post_op = op, o.out_type = out, o.out_scale = 0.03f;
          const QTensor x = test_support::random_qtensor({2, in, hw, hw}, DType::u8, o.in_scale, rng);
          const QTensor residual = test_support::random_qtensor({2, 40, oh, oh}, DType::u8, 0.02f, rng);
          if (op == Int8PostOp::sum_relu) o.residual_scale = residual.scale;
          const QTensor* r = op == Int8PostOp::sum_relu ? &residual : nullptr;
          const Int8Conv plain(o);
          o.requant = Int8Requant{.type = to, .scale = o.out_scale / ratio};
          const Int8Conv fused(o);
          const QTensor want = int8_concat({plain.forward(x, r)}, to, o.requant->scale);
          const QTensor got = fused.forward(x, r);
          EXPECT_EQ(got.scale, o.requant->scale);
          EXPECT_EQ(got.data.dtype(), to);
          const std::vector<float> g = got.data.to_plain();
          EXPECT_EQ(g, want.data.to_plain());
          EXPECT_GT(std::set<float>(g.begin(), g.end()).size(), 8u);
          EXPECT_FALSE(fused.impl(x.data.dims()).starts_with("ref")) << "runs " << fused.impl(x.data.dims());
        }
      }
    }
  }
}

TEST(Int8Conv, OtherInputDimsMatchAConvBuiltForThem) {
  Rng rng(6);
  Int8ConvOptions opt = pointwise(24, 40, 9, rng);
  opt.kernel = 3, opt.stride = 2, opt.padding = 1, opt.out_scale = 0.5f;  // outputs of a few tens of steps
  opt.weights = test_support::random_ints({40, 24, 3, 3}, DType::s8, -127, 127, rng);
  const Int8Conv built_for_9(opt);
  for (const Dims& dims : {Dims{1, 24, 9, 9}, Dims{3, 24, 16, 12}}) {
    Int8ConvOptions exact = opt;
    exact.batch = dims[0], exact.height = dims[2], exact.width = dims[3];
    const QTensor x = test_support::random_qtensor(dims, DType::u8, opt.in_scale, rng);
    const std::vector<float> y = built_for_9.forward(x).data.to_plain();
    EXPECT_EQ(y, Int8Conv(exact).forward(x).data.to_plain()) << dims_str(dims);
    EXPECT_GT(std::set<float>(y.begin(), y.end()).size(), 8u);
  }
}

TEST(Int8Conv, RunsJitKernelsForMobileNetLayers) {
  Rng rng(4);
  Int8ConvOptions dw = pointwise(32, 32, 28, rng);
  dw.kernel = 3, dw.padding = 1, dw.groups = 32, dw.batch = 4;
  dw.weights = test_support::random_ints({32, 1, 3, 3}, DType::s8, -127, 127, rng);
  Int8ConvOptions dw2 = dw;
  dw2.stride = 2;
  Int8ConvOptions stem = pointwise(3, 32, 56, rng);
  stem.kernel = 3, stem.padding = 1, stem.stride = 2, stem.batch = 4;
  stem.weights = test_support::random_ints({32, 3, 3, 3}, DType::s8, -127, 127, rng);
  Int8ConvOptions pw = pointwise(32, 64, 28, rng);
  pw.batch = 4;
  for (const auto& [name, opt] : {std::pair{"1x1", pw}, {"depthwise s1", dw}, {"depthwise s2", dw2}, {"stem", stem}}) {
    const std::string impl = Int8Conv(opt).impl({4, opt.in_channels, opt.height, opt.width});
    EXPECT_FALSE(impl.starts_with("ref")) << name << " runs " << impl;
  }
}

TEST(Int8Conv, RunsJitKernelsForADownsampleShortcutSum) {
  Rng rng(20);
  Int8ConvOptions opt = pointwise(116, 232, 14, rng);
  opt.post_op = Int8PostOp::sum_relu, opt.residual_type = DType::s8, opt.residual_scale = 0.03f;
  const std::string impl = Int8Conv(opt).impl({2, 116, 14, 14});
  EXPECT_FALSE(impl.starts_with("ref")) << "runs " << impl;
}

TEST(Int8Conv, RejectsMismatchedInputsWithClearErrors) {
  Rng rng(5);
  Int8ConvOptions opt = pointwise(24, 24, 5, rng);
  const Int8Conv conv(opt);
  const QTensor s8_input = test_support::random_qtensor({1, 24, 5, 5}, DType::s8, 0.05f, rng);
  test_support::expect_error([&] { conv.forward(s8_input); }, "expected a u8 input with scale 0.05, got s8");
  const QTensor wrong_scale = test_support::random_qtensor({1, 24, 5, 5}, DType::u8, 0.1f, rng);
  test_support::expect_error([&] { conv.forward(wrong_scale); }, "got u8 with scale 0.1");
  opt.post_op = Int8PostOp::sum;
  const QTensor input = test_support::random_qtensor({1, 24, 5, 5}, DType::u8, 0.05f, rng);
  test_support::expect_error([&] { Int8Conv(opt).forward(input); }, "residual of dims [1, 24, 5, 5], got none");
  opt.residual_type = DType::s8;
  const QTensor u8_residual = test_support::random_qtensor({1, 24, 5, 5}, DType::u8, 1.f, rng);
  test_support::expect_error([&] { Int8Conv(opt).forward(input, &u8_residual); },
                             "expected a s8 residual (residual_type, else the output's type), got u8");
  opt.post_op = Int8PostOp::relu;
  test_support::expect_error([&] { Int8Conv{opt}; },
                             "residual_type is for sum post-ops into u8/s8 outputs and must be u8 or s8, got s8");
  opt.residual_type.reset();
  opt.w_scales.pop_back();
  test_support::expect_error([&] { Int8Conv{opt}; }, "expected 24 w_scales, got 23");
}

}  // namespace
}  // namespace minnow
