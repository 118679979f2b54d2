// The tape engine on hand-written ops: recording rules, accumulation,
// NoGrad, retain_graph, freed graphs, multi-output nodes, what a graph keeps alive,
// and anomaly mode.
#include <gtest/gtest.h>

#include <cmath>

#include "core/allocator.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "core/tape.h"

namespace minnow {
namespace {

Tensor map(const Tensor& t, float (*f)(float)) {
  std::vector<float> v = t.to_plain();
  for (auto& e : v) e = f(e);
  return Tensor::from_plain(t.dims(), v);
}

Tensor times(const Tensor& a, const Tensor& b) {
  std::vector<float> x = a.to_plain(), y = b.to_plain();
  for (size_t i = 0; i < x.size(); ++i) x[i] *= y[i];
  return Tensor::from_plain(a.dims(), x);
}

// y = x * x, dx = 2 x dy
Var square(const Var& x) {
  const Tensor y = map(x.data(), [](float v) { return v * v; });
  if (!should_record({x})) return record_op("square", {x}, y, nullptr);
  const Tensor saved = x.data();
  return record_op("square", {x}, y, [saved](const std::vector<Tensor>& dy, const std::vector<bool>&) {
    return std::vector<Tensor>{times(dy[0], map(saved, [](float v) { return 2 * v; }))};
  });
}

// y = a * b, da = b dy, db = a dy (only the needed ones)
Var mul(const Var& a, const Var& b) {
  const Tensor y = times(a.data(), b.data());
  if (!should_record({a, b})) return record_op("mul", {a, b}, y, nullptr);
  const Tensor sa = a.data(), sb = b.data();
  return record_op("mul", {a, b}, y, [sa, sb](const std::vector<Tensor>& dy, const std::vector<bool>& need) {
    std::vector<Tensor> g(2);
    if (need[0]) g[0] = times(dy[0], sb);
    if (need[1]) g[1] = times(dy[0], sa);
    return g;
  });
}

// y = 2 x, dx = 2 dy: saves nothing
Var twice(const Var& x) {
  const Tensor y = map(x.data(), [](float v) { return 2 * v; });
  return record_op("twice", {x}, y, [](const std::vector<Tensor>& dy, const std::vector<bool>&) {
    return std::vector<Tensor>{map(dy[0], [](float v) { return 2 * v; })};
  });
}

// (x, x) -> sum: returns a one-element Var
Var sum(const Var& x) {
  double s = 0;
  for (float v : x.data().to_plain()) s += v;
  const Tensor y = Tensor::full({1}, static_cast<float>(s));
  if (!should_record({x})) return record_op("sum", {x}, y, nullptr);
  const Dims dims = x.dims();
  return record_op("sum", {x}, y, [dims](const std::vector<Tensor>& dy, const std::vector<bool>&) {
    return std::vector<Tensor>{Tensor::full(dims, dy[0].to_plain()[0])};
  });
}

// Splits a 2-vector into two 1-vectors.
std::vector<Var> unpack(const Var& x) {
  const auto v = x.data().to_plain();
  std::vector<Tensor> ys{Tensor::full({1}, v[0]), Tensor::full({1}, v[1])};
  return record_op("unpack", {x}, ys, [](const std::vector<Tensor>& dy, const std::vector<bool>&) {
    std::vector<float> g{dy[0].to_plain()[0], dy[1].to_plain()[0]};
    return std::vector<Tensor>{Tensor::from_plain({2}, g)};
  });
}

TEST(Autograd, ChainRuleAndAccumulationThroughSharedInputs) {
  const Var x(Tensor::from_plain({3}, std::vector<float>{1, -2, 3}), true);
  // L = sum(x^2 * x) = sum(x^3); dL/dx = 3 x^2
  const Var loss = sum(mul(square(x), x));
  loss.backward();
  EXPECT_EQ(x.grad().to_plain(), (std::vector<float>{3, 12, 27}));
  // A second backward on a new graph accumulates.
  sum(square(x)).backward();
  EXPECT_EQ(x.grad().to_plain(), (std::vector<float>{5, 8, 33}));
  x.zero_grad();
  EXPECT_FALSE(x.grad().defined());
}

// y = a + b, da = db = dy: both inputs get the one dy tensor.
Var plus(const Var& a, const Var& b) {
  const Tensor y = Tensor::from_plain(a.dims(), [&] {
    std::vector<float> v = a.data().to_plain(), w = b.data().to_plain();
    for (size_t i = 0; i < v.size(); ++i) v[i] += w[i];
    return v;
  }());
  return record_op("plus", {a, b}, y, [](const std::vector<Tensor>& dy, const std::vector<bool>&) {
    return std::vector<Tensor>{dy[0], dy[0]};
  });
}

// Gradients are summed in place only into a buffer nothing else holds: not into one that two
// gradients share (plus hands its dy to both inputs), nor into a gradient the caller kept.
TEST(Autograd, AccumulationNeverWritesIntoASharedGradient) {
  const Var x(Tensor::from_plain({3}, std::vector<float>{1, -2, 3}), true);
  const Var a = twice(x), b = square(x);
  // z = 2a + b = 4x + x^2; a's gradient is plus's dy twice, b's the dy both pluses share.
  sum(plus(plus(a, b), a)).backward();
  EXPECT_EQ(x.grad().to_plain(), (std::vector<float>{6, 0, 10}));
  const Tensor kept = x.grad();
  sum(plus(twice(x), square(x))).backward();  // + 2 + 2x
  EXPECT_EQ(kept.to_plain(), (std::vector<float>{6, 0, 10}));
  EXPECT_EQ(x.grad().to_plain(), (std::vector<float>{10, -2, 18}));
}

TEST(Autograd, RecordsOnlyWhenNeeded) {
  const Var constant(Tensor::full({2}, 2.0f), false);
  const Var param(Tensor::full({2}, 3.0f), true);
  const size_t before = tape_size();
  const Var a = square(constant);
  EXPECT_FALSE(a.requires_grad());
  EXPECT_EQ(tape_size(), before);
  {
    NoGrad guard;
    const Var b = square(param);
    EXPECT_FALSE(b.requires_grad());
    EXPECT_EQ(tape_size(), before);
  }
  EXPECT_TRUE(grad_enabled());
  const Var c = mul(constant, param);
  EXPECT_TRUE(c.requires_grad());
  EXPECT_EQ(tape_size(), before + 1);
  sum(c).backward();
  EXPECT_FALSE(constant.grad().defined());  // never computed for a constant
  EXPECT_EQ(param.grad().to_plain(), (std::vector<float>{2, 2}));
}

TEST(Autograd, RetainGraphAllowsASecondBackwardAndFreedGraphsSayWhy) {
  const Var x(Tensor::full({2}, 1.5f), true);
  const Var loss = sum(square(x));
  loss.backward(/*retain_graph=*/true);
  loss.backward();
  EXPECT_EQ(x.grad().to_plain(), (std::vector<float>{6, 6}));
  try {
    loss.backward();
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos) << e.what();
  }
}

TEST(Autograd, GraphIsFreedWhenNobodyHoldsIt) {
  const Var x(Tensor::full({2}, 1.0f), true);
  const size_t before = tape_size();
  { const Var unused = square(square(x)); }
  EXPECT_EQ(tape_size(), before);
}

TEST(Autograd, AGraphKeepsAnOpOutputAliveOnlyWhereABackwardSavedIt) {
  constexpr int64_t kN = 1 << 16;  // 256 KiB per f32 value
  constexpr size_t kValue = kN * sizeof(float), kSmall = 4096;
  const Var x(Tensor::full({kN}, 1.5f), true);
  const size_t before = live_storage_bytes();
  Var loss;
  { loss = sum(twice(twice(x))); }  // no op saves a value: only the one-element loss stays
  EXPECT_LT(live_storage_bytes() - before, kSmall);
  loss.backward();
  EXPECT_EQ(x.grad().to_plain(), std::vector<float>(kN, 4.0f));

  x.zero_grad();
  { loss = sum(twice(square(twice(x)))); }  // square saves its input, 2x: that value stays
  EXPECT_GE(live_storage_bytes() - before, kValue);
  EXPECT_LT(live_storage_bytes() - before, kValue + kSmall);
  loss.backward();  // d/dx sum(2 (2x)^2) = 16 x
  EXPECT_EQ(x.grad().to_plain(), std::vector<float>(kN, 24.0f));
}

TEST(Autograd, UnusedOutputsOfAMultiOutputNodeGetZeroGradient) {
  const Var x(Tensor::from_plain({2}, std::vector<float>{4, 5}), true);
  const auto parts = unpack(x);
  square(parts[1]).backward(Tensor::full({1}, 1.0f));
  EXPECT_EQ(x.grad().to_plain(), (std::vector<float>{0, 10}));
}

TEST(Autograd, ShapeMismatchNamesTheOp) {
  const Var x(Tensor::full({2}, 1.0f), true);
  const Var y = record_op("broken", {x}, Tensor::full({2}, 1.0f),
                          [](const std::vector<Tensor>&, const std::vector<bool>&) {
                            return std::vector<Tensor>{Tensor::full({3}, 1.0f)};
                          });
  try {
    y.backward(Tensor::full({2}, 1.0f));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'broken'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[3]"), std::string::npos) << e.what();
  }
}

TEST(Autograd, AnomalyModeNamesTheFirstOpProducingNaN) {
  const Var x(Tensor::from_plain({2}, std::vector<float>{-1, 4}), true);
  auto log_op = [](const Var& v) {
    const Tensor y = map(v.data(), [](float e) { return std::log(e); });
    return record_op("log", {v}, y, [](const std::vector<Tensor>& dy, const std::vector<bool>&) {
      return std::vector<Tensor>{dy[0]};
    });
  };
  EXPECT_NO_THROW((void)log_op(x));  // off by default
  AnomalyMode anomaly;
  try {
    (void)square(log_op(x));
    FAIL() << "expected an anomaly error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'log'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("NaN"), std::string::npos) << e.what();
  }
  // A NaN that appears only in backward is named too.
  const Var y(Tensor::full({1}, 0.0f), true);
  const Var z = record_op("bad_grad", {y}, Tensor::full({1}, 0.0f),
                          [](const std::vector<Tensor>&, const std::vector<bool>&) {
                            return std::vector<Tensor>{Tensor::full({1}, INFINITY)};
                          });
  try {
    z.backward();
    FAIL() << "expected an anomaly error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'bad_grad'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Inf"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace minnow
