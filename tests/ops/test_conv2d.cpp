// conv2d against a double-precision reference loop (forward and backward) and
// finite differences, over normal, grouped, depthwise, pointwise and dilated shapes.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/reorder.h"
#include "ops/conv2d.h"
#include "ops/kernel_crop.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using test_support::closeness;

struct ConvCase {
  int64_t n, c, h, w, o, k;
  Conv2dOptions opt;
  bool bias;
};

std::ostream& operator<<(std::ostream& out, const ConvCase& c) {
  return out << "n" << c.n << "_c" << c.c << "_" << c.h << "x" << c.w << "_o" << c.o << "_k" << c.k << "_s"
             << c.opt.stride << "_p" << c.opt.padding << "_d" << c.opt.dilation << "_g" << c.opt.groups
             << (c.bias ? "_bias" : "");
}

const ConvCase kCases[] = {
    {1, 3, 13, 13, 8, 3, {.stride = 1, .padding = 1}, true},                  // normal, odd size
    {3, 6, 7, 7, 9, 3, {.stride = 2, .padding = 1, .groups = 3}, false},      // grouped g=3, stride 2
    {2, 4, 9, 9, 6, 3, {.padding = 2, .dilation = 2, .groups = 2}, true},     // grouped g=2, dilated
    {2, 12, 13, 13, 12, 3, {.stride = 2, .padding = 1, .groups = 12}, false}, // depthwise
    {3, 20, 7, 7, 24, 1, {}, false},                                          // pointwise, C not a multiple of 16
    {1, 5, 7, 13, 7, 5, {.stride = 2, .padding = 2}, true},                   // 5x5, rectangular input
    {3, 20, 2, 2, 20, 3, {.padding = 1, .groups = 20}, false},                // depthwise on 2x2: minnow's weight-grad loop
    {2, 60, 5, 5, 48, 1, {.groups = 3}, false},  // ShuffleNet v1's grouped 1x1: minnow's per-group products
    {3, 96, 4, 4, 48, 1, {.groups = 3}, false},  // grouped 1x1, 32 channels per group: per-group products too
    {4, 64, 2, 2, 96, 1, {}, false},             // 1x1 on 2x2 without groups: one product
    {2, 32, 1, 1, 32, 5, {.padding = 2, .groups = 32}, false},  // EfficientNet's 5x5 depthwise on 1x1: centre tap only
    {2, 8, 2, 2, 6, 5, {.padding = 2}, true},                    // 5x5 on 2x2: the outer ring cut, padding 1
    {1, 4, 1, 3, 5, 3, {.padding = 1}, true},                    // rows would crop, columns not: runs uncropped
    {1, 6, 3, 3, 6, 5, {.stride = 2, .padding = 4, .dilation = 2, .groups = 6}, false},  // dilated, stride 2: taps 1-3
};

struct Reference {
  std::vector<double> y, dx, dw, db;
};

// y[n,o,i,j] = b[o] + sum_{c in group(o), p, q} x[n, c, i s - pad + p d, j s - pad + q d] w[o, c', p, q]
// and the adjoint loops for dx, dw, db given dy.
Reference reference_conv(const ConvCase& t, const std::vector<float>& x, const std::vector<float>& w,
                         const std::vector<float>& b, const std::vector<float>& dy) {
  const auto& o = t.opt;
  const int64_t cg = t.c / o.groups, og = t.o / o.groups;
  const int64_t oh = (t.h + 2 * o.padding - o.dilation * (t.k - 1) - 1) / o.stride + 1;
  const int64_t ow = (t.w + 2 * o.padding - o.dilation * (t.k - 1) - 1) / o.stride + 1;
  Reference r;
  r.y.assign(static_cast<size_t>(t.n * t.o * oh * ow), 0.0);
  r.dx.assign(x.size(), 0.0);
  r.dw.assign(w.size(), 0.0);
  r.db.assign(static_cast<size_t>(t.o), 0.0);
  auto xi = [&](int64_t n, int64_t c, int64_t i, int64_t j) { return static_cast<size_t>(((n * t.c + c) * t.h + i) * t.w + j); };
  auto wi = [&](int64_t oc, int64_t c, int64_t p, int64_t q) { return static_cast<size_t>(((oc * cg + c) * t.k + p) * t.k + q); };
  for (int64_t n = 0; n < t.n; ++n)
    for (int64_t oc = 0; oc < t.o; ++oc)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          const size_t yi = static_cast<size_t>(((n * t.o + oc) * oh + i) * ow + j);
          double acc = t.bias ? b[static_cast<size_t>(oc)] : 0.0;
          const double g = dy[yi];
          r.db[static_cast<size_t>(oc)] += g;
          const int64_t group = oc / og;
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t p = 0; p < t.k; ++p)
              for (int64_t q = 0; q < t.k; ++q) {
                const int64_t ii = i * o.stride - o.padding + p * o.dilation;
                const int64_t jj = j * o.stride - o.padding + q * o.dilation;
                if (ii < 0 || ii >= t.h || jj < 0 || jj >= t.w) continue;
                const size_t xk = xi(n, group * cg + c, ii, jj), wk = wi(oc, c, p, q);
                acc += static_cast<double>(x[xk]) * w[wk];
                r.dx[xk] += g * w[wk];
                r.dw[wk] += g * x[xk];
              }
          r.y[yi] = acc;
        }
  return r;
}

class Conv2dTest : public ::testing::TestWithParam<ConvCase> {};

TEST_P(Conv2dTest, MatchesReferenceForwardAndBackward) {
  const ConvCase t = GetParam();
  Rng rng(11);
  const Var x = test_support::random_var({t.n, t.c, t.h, t.w}, rng);
  const Var w = test_support::random_var({t.o, t.c / t.opt.groups, t.k, t.k}, rng);
  const Var b = t.bias ? test_support::random_var({t.o}, rng) : Var();
  const auto xv = x.data().to_plain(), wv = w.data().to_plain();
  const auto bv = t.bias ? b.data().to_plain() : std::vector<float>{};

  const Var y = conv2d(x, w, b, t.opt);
  const Tensor dy = test_support::random_tensor(y.dims(), rng);
  const Reference ref = reference_conv(t, xv, wv, bv, dy.to_plain());
  EXPECT_LE(closeness(y.data().to_plain(), ref.y, 1e-5, 1e-4), 1.0);

  y.backward(dy.to_layout(y.data().desc()));
  EXPECT_LE(closeness(x.grad().to_plain(), ref.dx, 1e-5, 1e-4), 1.0);
  EXPECT_LE(closeness(w.grad().to_plain(), ref.dw, 1e-5, 1e-4), 1.0);
  if (t.bias) {
    EXPECT_LE(closeness(b.grad().to_plain(), ref.db, 1e-5, 1e-4), 1.0);
  }
}

TEST_P(Conv2dTest, MatchesFiniteDifferences) {
  const ConvCase t = GetParam();
  Rng rng(5);
  std::vector<Tensor> inputs{test_support::random_tensor({t.n, t.c, t.h, t.w}, rng),
                             test_support::random_tensor({t.o, t.c / t.opt.groups, t.k, t.k}, rng)};
  if (t.bias) inputs.push_back(test_support::random_tensor({t.o}, rng));
  test_support::expect_gradcheck(
      [&](const std::vector<Var>& v) { return conv2d(v[0], v[1], t.bias ? v[2] : Var(), t.opt); }, inputs);
}

INSTANTIATE_TEST_SUITE_P(Shapes, Conv2dTest, ::testing::ValuesIn(kCases), [](const auto& param_info) {
  std::ostringstream name;
  name << param_info.param;
  return name.str();
});

TEST(Conv2d, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    bool bias;
    std::vector<float> y, dx, dw, db;
  };
  std::vector<Got> got;
  for (const auto& t : kCases) {
    Rng rng(100 + got.size());
    const Tensor xt = test_support::random_tensor({t.n, t.c, t.h, t.w}, rng);
    const Tensor wt = test_support::random_tensor({t.o, t.c / t.opt.groups, t.k, t.k}, rng);
    const Tensor bt = test_support::random_tensor({t.o}, rng);
    const Var x(xt, true), w(wt, true), b = t.bias ? Var(bt, true) : Var();
    const Var y = conv2d(x, w, b, t.opt);
    const Tensor dy = test_support::random_tensor(y.dims(), rng);
    y.backward(dy.to_layout(y.data().desc()));
    std::ostringstream id, args;
    id << t;
    args << R"({"stride":)" << t.opt.stride << R"(,"padding":)" << t.opt.padding << R"(,"dilation":)"
         << t.opt.dilation << R"(,"groups":)" << t.opt.groups << "}";
    std::vector<std::pair<std::string, Tensor>> inputs{{"x", xt}, {"w", wt}, {"dy", dy}};
    if (t.bias) inputs.emplace_back("b", bt);
    torch.add(id.str(), "conv2d", args.str(), inputs);
    got.push_back({id.str(), t.bias, y.data().to_plain(), x.grad().to_plain(), w.grad().to_plain(),
                   t.bias ? b.grad().to_plain() : std::vector<float>{}});
  }
  torch.run();
  for (const auto& g : got) {
    test_support::expect_matches_torch(g.y, torch.result(g.id, "y"), 1e-5, 1e-4, g.id + " y");
    test_support::expect_matches_torch(g.dx, torch.result(g.id, "dx"), 1e-5, 1e-4, g.id + " dx");
    test_support::expect_matches_torch(g.dw, torch.result(g.id, "dw"), 1e-5, 1e-4, g.id + " dw");
    if (g.bias) test_support::expect_matches_torch(g.db, torch.result(g.id, "db"), 1e-5, 1e-4, g.id + " db");
  }
}

TEST(Conv2d, ParameterAdoptsThePrimitiveLayoutOnce) {
  Rng rng(3);
  const Dims dims{2, 32, 14, 14};
  const Var x(test_support::random_tensor(dims, rng).to_layout(
      dnnl::memory::desc(dims, dt::f32, dnnl::memory::format_tag::nChw16c)));
  const Var w = test_support::random_var({32, 1, 3, 3}, rng);  // depthwise
  const Conv2dOptions opt{.padding = 1, .groups = 32};
  const Var y0 = conv2d(x, w, Var(), opt);
  const uint64_t reorders = reorder_count();
  const Var y1 = conv2d(x, w, Var(), opt);
  EXPECT_EQ(reorder_count(), reorders);  // the weight already sits in the conv's layout
  EXPECT_EQ(y0.data().to_plain(), y1.data().to_plain());
  EXPECT_EQ(w.data().numel(), 32 * 9);
}

TEST(Conv2d, DepthwiseAndGroupedUseJitKernels) {
  const Tensor x = Tensor::zeros({8, 64, 28, 28});
  for (int64_t groups : {int64_t{64}, int64_t{4}}) {
    const auto impl = conv2d_impl(x, {64, 64 / groups, 3, 3}, false, {.padding = 1, .groups = groups});
    for (const auto& name : {impl.forward, impl.backward_data, impl.backward_weights}) {
      EXPECT_NE(name.find("jit"), std::string::npos) << "groups " << groups << ": " << name;
      EXPECT_EQ(name.find("gemm"), std::string::npos) << "groups " << groups << ": " << name;
    }
  }
}

TEST(Conv2d, DeadTapsAreCutWhereOnlyPaddingMeetsThem) {
  const auto centre = dead_tap_crop(1, 1, 5, 5, {.padding = 2, .groups = 8});
  ASSERT_TRUE(centre.has_value());
  EXPECT_EQ((std::vector<int64_t>{centre->top, centre->left, centre->kh, centre->kw, centre->padding}),
            (std::vector<int64_t>{2, 2, 1, 1, 0}));
  const auto ring = dead_tap_crop(2, 2, 5, 5, {.padding = 2});
  ASSERT_TRUE(ring.has_value());
  EXPECT_EQ((std::vector<int64_t>{ring->top, ring->left, ring->kh, ring->kw, ring->padding}),
            (std::vector<int64_t>{1, 1, 3, 3, 1}));
  const auto dilated = dead_tap_crop(3, 3, 5, 5, {.stride = 2, .padding = 4, .dilation = 2});
  ASSERT_TRUE(dilated.has_value());
  EXPECT_EQ((std::vector<int64_t>{dilated->top, dilated->kh, dilated->padding}), (std::vector<int64_t>{1, 3, 2}));
  EXPECT_FALSE(dead_tap_crop(7, 7, 5, 5, {.padding = 2}).has_value());  // every tap meets data
  EXPECT_FALSE(dead_tap_crop(1, 3, 3, 3, {.padding = 1}).has_value());  // the axes would need paddings 0 and 1
}

// EfficientNet-B0 at 32 px: features.6's 5x5 depthwise convs (1152 channels) on 1x1 maps ran
// oneDNN's gemm kernel on plain NCHW (about 44 ms a call); cut to their centre tap they run jit.
TEST(Conv2d, DepthwiseOnOnePixelMapsRunsJitAfterTheCrop) {
  const auto impl = conv2d_impl(Tensor::zeros({128, 1152, 1, 1}), {1152, 1, 5, 5}, false, {.padding = 2, .groups = 1152});
  for (const auto& name : {impl.forward, impl.backward_data}) {
    EXPECT_EQ(name.find("gemm"), std::string::npos) << name;
    EXPECT_EQ(name.find("ref"), std::string::npos) << name;
  }
}

TEST(Conv2d, TinyDepthwiseWeightGradientAvoidsTheReferenceKernel) {
  const auto impl = conv2d_impl(Tensor::zeros({8, 64, 2, 2}), {64, 1, 3, 3}, false, {.padding = 1, .groups = 64});
  // oneDNN offers only ref:any here; minnow computes dw itself (its values are checked by the
  // Shapes cases above), and that path is the one backward runs.
  EXPECT_TRUE(impl.backward_weights.starts_with("ref")) << impl.backward_weights;
  EXPECT_EQ(impl.weight_gradient, "minnow:depthwise_loop");
  EXPECT_NE(impl.backward_data.find("jit"), std::string::npos) << impl.backward_data;
}

TEST(Conv2d, GroupedPointwiseRunsAsPerGroupProducts) {
  // ShuffleNet v1's grouped 1x1 convs: oneDNN offers only ref:any for dw with 20 input channels
  // per group, and 4- or 8-channel-block kernels for the other passes; every pass is minnow's
  // per-group matmul on nhwc (values checked by the Shapes cases with 60 and 96 channels above).
  for (const Dims& x : {Dims{2, 60, 5, 5}, Dims{2, 96, 4, 4}, Dims{2, 96, 5, 5}}) {
    const auto impl = conv2d_impl(Tensor::zeros(x), {48, x[1] / 3, 1, 1}, false, {.groups = 3});
    for (const auto& name : {impl.forward, impl.backward_data, impl.backward_weights, impl.weight_gradient})
      EXPECT_EQ(name, "minnow:grouped_pointwise_matmul") << dims_str(x);
    EXPECT_EQ(impl.src, dnnl::memory::desc(x, dt::f32, dnnl::memory::format_tag::nhwc));
  }
}

TEST(Conv2d, PointwiseWeightGradientOnSmallMapsIsTheProducts) {
  // 1x1 without groups: one product on maps of up to 4x4 (MobileNet's last 1x1 convs at 32 px;
  // values checked by the Shapes case on 2x2 above), oneDNN's kernel on 5x5; and never with a
  // bias, whose gradient the product does not give.
  const auto small = conv2d_impl(Tensor::zeros({2, 64, 4, 4}), {96, 64, 1, 1}, false, {});
  EXPECT_FALSE(small.backward_weights.starts_with("ref")) << small.backward_weights;
  EXPECT_EQ(small.weight_gradient, "minnow:grouped_pointwise_matmul");
  const auto larger = conv2d_impl(Tensor::zeros({2, 64, 5, 5}), {96, 64, 1, 1}, false, {});
  EXPECT_EQ(larger.weight_gradient, larger.backward_weights);
  EXPECT_FALSE(larger.backward_weights.starts_with("ref")) << larger.backward_weights;
  const auto with_bias = conv2d_impl(Tensor::zeros({2, 64, 4, 4}), {96, 64, 1, 1}, true, {});
  EXPECT_EQ(with_bias.weight_gradient, with_bias.backward_weights);
}

TEST(Conv2d, BadShapesNameTheArgument) {
  Rng rng(1);
  const Var x = test_support::random_var({1, 6, 5, 5}, rng);
  try {
    (void)conv2d(x, test_support::random_var({4, 4, 3, 3}, rng), Var(), {.groups = 2});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("conv2d: weight dims [4, 4, 3, 3] expect 3"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)conv2d(x, test_support::random_var({4, 6, 7, 7}, rng), Var(), {}), Error);
  EXPECT_THROW((void)conv2d(x, test_support::random_var({4, 6, 3, 3}, rng), test_support::random_var({5}, rng), {}), Error);
}

}  // namespace
}  // namespace minnow
