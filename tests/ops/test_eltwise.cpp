// The activations against double-precision reference loops (forward and backward,
// in plain, NHWC and blocked nChw16c layouts), finite differences, PyTorch, and
// PyTorch's gradient at the kinks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/allocator.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "core/reorder.h"
#include "core/tape.h"
#include "ops/binary.h"
#include "ops/eltwise.h"
#include "ops/primitive_cache.h"
#include "tests/support/gradcheck.h"
#include "tests/support/padding.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using test_support::closeness;
using tag = dnnl::memory::format_tag;

double logistic(double x) { return 1 / (1 + std::exp(-x)); }

struct Activation {
  const char* name;
  Var (*op)(const Var&);
  double (*f)(double);
  double (*df)(double);  // the gradient PyTorch takes at the kinks (oneDNN's for hardswish at +-3)
  bool kinked;
};

const Activation kActivations[] = {
    {"relu", relu, [](double x) { return std::max(x, 0.0); }, [](double x) { return x > 0 ? 1.0 : 0.0; }, true},
    {"relu6", relu6, [](double x) { return std::clamp(x, 0.0, 6.0); },
     [](double x) { return x > 0 && x < 6 ? 1.0 : 0.0; }, true},
    {"hardswish", hardswish, [](double x) { return x * std::clamp(x + 3, 0.0, 6.0) / 6; },
     [](double x) { return x <= -3 ? 0.0 : x >= 3 ? 1.0 : (2 * x + 3) / 6; }, true},
    {"hardsigmoid", hardsigmoid, [](double x) { return std::clamp(x + 3, 0.0, 6.0) / 6; },
     [](double x) { return x > -3 && x < 3 ? 1.0 / 6 : 0.0; }, true},
    {"sigmoid", sigmoid, logistic, [](double x) { return logistic(x) * (1 - logistic(x)); }, false},
    {"swish", swish, [](double x) { return x * logistic(x); },
     [](double x) { return logistic(x) * (1 + x * (1 - logistic(x))); }, false},
};

enum class Layout { plain, nhwc, blocked };

struct Shape {
  Dims dims;
  Layout layout;
};

const Shape kShapes[] = {
    {{1, 3, 7, 7}, Layout::plain},
    {{3, 20, 7, 13}, Layout::blocked},  // nChw16c with 12 padded channels
    {{1, 32, 13, 7}, Layout::blocked},  // nChw16c without padding
    {{3, 24, 13, 13}, Layout::nhwc},
    {{3, 10}, Layout::plain},
};

Tensor in_layout(const Tensor& plain, Layout layout) {
  if (layout == Layout::plain) return plain;
  return plain.to_layout(dnnl::memory::desc(plain.dims(), dt::f32, layout == Layout::nhwc ? tag::nhwc : tag::nChw16c));
}

std::string shape_name(const Shape& s) {
  std::string name;
  for (auto d : s.dims) name.append(std::to_string(d)).append("x");
  name.pop_back();
  name.append(s.layout == Layout::plain ? "_plain" : s.layout == Layout::nhwc ? "_nhwc" : "_nChw16c");
  return name;
}

void PrintTo(const Activation& act, std::ostream* out) { *out << act.name; }
void PrintTo(const Shape& shape, std::ostream* out) { *out << shape_name(shape); }

class EltwiseTest : public ::testing::TestWithParam<std::tuple<Activation, Shape>> {};

TEST_P(EltwiseTest, MatchesReferenceForwardAndBackward) {
  const auto& [act, shape] = GetParam();
  Rng rng(7);
  const Tensor xt = test_support::random_tensor(shape.dims, rng, -8.0f, 8.0f);
  const Tensor dyt = test_support::random_tensor(shape.dims, rng);
  const Var x(in_layout(xt, shape.layout), true);
  const Var y = act.op(x);
  EXPECT_EQ(y.data().desc(), x.data().desc()) << "output leaves x's layout";
  EXPECT_TRUE(test_support::padding_is_zero(y.data()));
  y.backward(dyt.to_layout(y.data().desc()));
  EXPECT_EQ(x.grad().desc(), x.data().desc()) << "gradient leaves x's layout";
  EXPECT_TRUE(test_support::padding_is_zero(x.grad()));

  const auto xv = xt.to_plain(), dyv = dyt.to_plain();
  std::vector<double> y_ref(xv.size()), dx_ref(xv.size());
  for (size_t i = 0; i < xv.size(); ++i) {
    y_ref[i] = act.f(xv[i]);
    dx_ref[i] = act.df(xv[i]) * dyv[i];
  }
  EXPECT_LE(closeness(y.data().to_plain(), y_ref, 1e-6, 1e-5), 1.0);
  EXPECT_LE(closeness(x.grad().to_plain(), dx_ref, 1e-6, 1e-5), 1.0);
}

TEST_P(EltwiseTest, MatchesFiniteDifferences) {
  const auto& [act, shape] = GetParam();
  Rng rng(3);
  test_support::GradcheckOptions options;
  if (act.kinked) options.kink_tolerance = 0.1;
  test_support::expect_gradcheck([&](const std::vector<Var>& v) { return act.op(v[0]); },
                                 {test_support::random_tensor(shape.dims, rng, -8.0f, 8.0f)}, options);
}

INSTANTIATE_TEST_SUITE_P(Activations, EltwiseTest,
                         ::testing::Combine(::testing::ValuesIn(kActivations), ::testing::ValuesIn(kShapes)),
                         [](const auto& param_info) {
                           return std::string(std::get<0>(param_info.param).name) + "_" +
                                  shape_name(std::get<1>(param_info.param));
                         });

// Inputs on every kink: 0 and 6 for relu and relu6, -3 and 3 for hardswish and hardsigmoid.
const std::vector<float> kKinks{-3.0f, 0.0f, 3.0f, 6.0f, -6.0f, 1.5f, -1.5f, 7.0f};

std::vector<float> gradient_at(Var (*op)(const Var&), const std::vector<float>& xs) {
  const Var x(Tensor::from_plain({static_cast<int64_t>(xs.size())}, xs), true);
  op(x).backward(Tensor::full(x.dims(), 1.0f));
  return x.grad().to_plain();
}

TEST(Eltwise, GradientAtKinksFollowsPyTorch) {
  EXPECT_EQ(gradient_at(relu, kKinks), (std::vector<float>{0, 0, 1, 1, 0, 1, 0, 1}));
  EXPECT_EQ(gradient_at(relu6, kKinks), (std::vector<float>{0, 0, 1, 0, 0, 1, 0, 0}));
  const float sixth = 1.0f / 6;
  EXPECT_EQ(gradient_at(hardsigmoid, kKinks), (std::vector<float>{0, sixth, 0, 0, 0, sixth, sixth, 0}));
}

TEST(Eltwise, HardswishGradientAtKinksIsOneDnns) {
  // oneDNN takes the outer one-sided derivative at -3 and 3, where PyTorch gives -0.5 and 1.5.
  const std::vector<float> dx = gradient_at(hardswish, kKinks);
  EXPECT_EQ(dx[0], 0.0f);
  EXPECT_EQ(dx[2], 1.0f);
  EXPECT_FLOAT_EQ(dx[1], 0.5f);
  EXPECT_FLOAT_EQ(dx[5], 1.0f);  // (2x + 3) / 6 at x = 1.5
}

TEST(Eltwise, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, dx;
  };
  std::vector<Got> got;
  for (const auto& act : kActivations) {
    for (const auto& shape : {kShapes[0], kShapes[1], kShapes[3]}) {
      Rng rng(200 + got.size());
      const Tensor xt = test_support::random_tensor(shape.dims, rng, -8.0f, 8.0f);
      const Tensor dy = test_support::random_tensor(shape.dims, rng);
      const Var x(in_layout(xt, shape.layout), true);
      const Var y = act.op(x);
      y.backward(dy.to_layout(y.data().desc()));
      const std::string id = std::string(act.name) + "_" + shape_name(shape);
      torch.add(id, act.name, "{}", {{"x", xt}, {"dy", dy}});
      got.push_back({id, y.data().to_plain(), x.grad().to_plain()});
    }
    if (std::string(act.name) == "hardswish") continue;  // its kinks differ, see above
    const Tensor kinks = Tensor::from_plain({static_cast<int64_t>(kKinks.size())}, kKinks);
    const Var x(kinks, true);
    const Var y = act.op(x);
    y.backward(Tensor::full(x.dims(), 1.0f));
    const std::string id = std::string(act.name) + "_kinks";
    torch.add(id, act.name, "{}", {{"x", kinks}, {"dy", Tensor::full(x.dims(), 1.0f)}});
    got.push_back({id, y.data().to_plain(), x.grad().to_plain()});
  }
  torch.run();
  for (const auto& g : got) {
    test_support::expect_matches_torch(g.y, torch.result(g.id, "y"), 1e-6, 1e-5, g.id + " y");
    test_support::expect_matches_torch(g.dx, torch.result(g.id, "dx"), 1e-6, 1e-5, g.id + " dx");
  }
}

TEST(Eltwise, RepeatedStepBuildsAndReordersNothing) {
  Rng rng(9);
  const Dims dims{3, 20, 7, 7};
  const Tensor x_blocked = in_layout(test_support::random_tensor(dims, rng, -8.0f, 8.0f), Layout::blocked);
  const Tensor dy = in_layout(test_support::random_tensor(dims, rng), Layout::blocked);
  for (const auto& act : kActivations) {
    uint64_t builds = 0, reorders = 0;
    for (int step = 0; step < 2; ++step) {
      builds = primitive_builds();
      reorders = reorder_count();
      const Var x(x_blocked, true);
      act.op(x).backward(dy);
    }
    EXPECT_EQ(primitive_builds(), builds) << act.name;
    EXPECT_EQ(reorder_count(), reorders) << act.name;
  }
}

// Inside a graph the gradient an activation receives is held by nothing else, and its backward
// writes dx over it: backward then needs one map (mul's dy c) on top of what is live, not two.
// A gradient the caller still holds is read, never written.
TEST(Eltwise, BackwardWritesOverAGradientNothingElseHolds) {
  Rng rng(12);
  const Dims dims{3, 20, 7, 13};
  const Tensor xt = in_layout(test_support::random_tensor(dims, rng, -8.0f, 8.0f), Layout::blocked);
  const Tensor ct = in_layout(test_support::random_tensor(dims, rng), Layout::blocked);
  const Tensor dy = in_layout(test_support::random_tensor(dims, rng), Layout::blocked);
  const std::vector<float> dy_before = dy.to_plain();
  const auto xv = xt.to_plain(), cv = ct.to_plain();
  for (const auto& act : kActivations) {
    const Var x(xt, true);
    const Var z = mul(act.op(x), Var(ct));
    const size_t live = live_storage_bytes();
    reset_peak_storage();
    z.backward(dy);
    EXPECT_LE(peak_live_storage_bytes() - live, dy.desc().get_size()) << act.name;
    std::vector<double> dx_ref(xv.size());
    for (size_t i = 0; i < xv.size(); ++i) dx_ref[i] = act.df(xv[i]) * cv[i] * dy_before[i];
    EXPECT_LE(closeness(x.grad().to_plain(), dx_ref, 1e-6, 1e-5), 1.0) << act.name;
    EXPECT_EQ(dy.to_plain(), dy_before) << act.name;
  }
}

TEST(Eltwise, InferenceMatchesTrainingAndRecordsNothing) {
  Rng rng(4);
  const Tensor xt = in_layout(test_support::random_tensor({2, 20, 7, 7}, rng, -8.0f, 8.0f), Layout::blocked);
  for (const auto& act : kActivations) {
    const auto trained = act.op(Var(xt, true)).data().to_plain();
    clear_tape();
    NoGrad no_grad;
    const Var y = act.op(Var(xt, true));
    EXPECT_EQ(tape_size(), 0u) << act.name;
    EXPECT_FALSE(y.requires_grad()) << act.name;
    EXPECT_EQ(y.data().to_plain(), trained) << act.name;
    EXPECT_TRUE(test_support::padding_is_zero(y.data())) << act.name;
  }
}

TEST(Eltwise, RejectsNonFloatInput) {
  const Var x(Tensor::from_plain({4}, std::vector<float>{1, 2, 3, 4}, DType::s8));
  try {
    (void)relu6(x);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("relu6: expected an f32 or bf16 input, got s8"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace minnow
