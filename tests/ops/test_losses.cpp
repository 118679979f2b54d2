// log_softmax, cross_entropy (with label smoothing), kl_div_with_temperature and mse_loss
// against double-precision loops whose gradients go the long way round (through the
// softmax Jacobian), finite differences and PyTorch's F.* functions.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "ops/losses.h"
#include "tests/support/errors.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using dnnl::memory;
using test_support::closeness;

constexpr double kAtol = 1e-6, kRtol = 1e-5;  // float results against double references and PyTorch

// Logits in plain (N, K) layout, or transposed ("ba") to exercise the move to plain and back.
Var logits_var(const Dims& dims, float scale, bool transposed, Rng& rng, bool requires_grad = true) {
  const Tensor z = test_support::random_tensor(dims, rng, -scale, scale);
  return Var(transposed ? z.to_layout(memory::desc(dims, dt::f32, memory::format_tag::ba)) : z, requires_grad);
}

std::vector<double> softmax_row(const float* z, int64_t k, double scale) {
  double m = -INFINITY, sum = 0;
  for (int64_t j = 0; j < k; ++j) m = std::max(m, scale * z[j]);
  std::vector<double> p(static_cast<size_t>(k));
  for (int64_t j = 0; j < k; ++j) sum += p[static_cast<size_t>(j)] = std::exp(scale * z[j] - m);
  for (auto& v : p) v /= sum;
  return p;
}

struct Reference {
  double loss = 0;
  std::vector<double> y, dx, dt;
};

// y = log p with p = softmax(z); dx_j = sum_k dy_k (delta_kj - p_j).
Reference reference_log_softmax(const std::vector<float>& z, const std::vector<float>& dy, int64_t n, int64_t k) {
  Reference r;
  for (int64_t i = 0; i < n; ++i) {
    const auto p = softmax_row(&z[static_cast<size_t>(i * k)], k, 1.0);
    for (int64_t j = 0; j < k; ++j) r.y.push_back(std::log(p[static_cast<size_t>(j)]));
    for (int64_t j = 0; j < k; ++j) {
      double g = 0;
      for (int64_t c = 0; c < k; ++c) g += dy[static_cast<size_t>(i * k + c)] * ((c == j) - p[static_cast<size_t>(j)]);
      r.dx.push_back(g);
    }
  }
  return r;
}

// loss = -(1/N) sum q log p; dL/dlog p_k = -q_k / N, pushed through the log-softmax Jacobian.
Reference reference_cross_entropy(const std::vector<float>& z, const std::vector<int32_t>& labels, double eps,
                                  int64_t n, int64_t k) {
  Reference r;
  for (int64_t i = 0; i < n; ++i) {
    const auto p = softmax_row(&z[static_cast<size_t>(i * k)], k, 1.0);
    std::vector<double> q(static_cast<size_t>(k), eps / static_cast<double>(k));
    q[static_cast<size_t>(labels[static_cast<size_t>(i)])] += 1.0 - eps;
    for (int64_t c = 0; c < k; ++c) r.loss -= q[static_cast<size_t>(c)] * std::log(p[static_cast<size_t>(c)]) / n;
    for (int64_t j = 0; j < k; ++j) {
      double g = 0;
      for (int64_t c = 0; c < k; ++c) g += -q[static_cast<size_t>(c)] / n * ((c == j) - p[static_cast<size_t>(j)]);
      r.dx.push_back(g);
    }
  }
  return r;
}

// loss = T^2 / N sum pt (log pt - log ps) with ps = softmax(s/T), pt = softmax(t/T);
// ds through d/dlog ps, dt through dL/dpt_k = T^2 / N (log pt_k - log ps_k + 1) and the softmax Jacobian.
Reference reference_kl(const std::vector<float>& s, const std::vector<float>& t, double temp, int64_t n, int64_t k) {
  Reference r;
  const double w = temp * temp / n;
  for (int64_t i = 0; i < n; ++i) {
    const auto ps = softmax_row(&s[static_cast<size_t>(i * k)], k, 1 / temp);
    const auto pt = softmax_row(&t[static_cast<size_t>(i * k)], k, 1 / temp);
    auto at = [](const std::vector<double>& v, int64_t j) { return v[static_cast<size_t>(j)]; };
    for (int64_t c = 0; c < k; ++c) r.loss += w * at(pt, c) * (std::log(at(pt, c)) - std::log(at(ps, c)));
    for (int64_t j = 0; j < k; ++j) {
      double gs = 0, gt = 0;
      for (int64_t c = 0; c < k; ++c) {
        gs += -w * at(pt, c) * ((c == j) - at(ps, j)) / temp;
        gt += w * (std::log(at(pt, c)) - std::log(at(ps, c)) + 1) * at(pt, c) * ((c == j) - at(pt, j)) / temp;
      }
      r.dx.push_back(gs);
      r.dt.push_back(gt);
    }
  }
  return r;
}

std::vector<int32_t> random_labels(int64_t n, int64_t k, Rng& rng) {
  std::vector<int32_t> labels;
  for (int64_t i = 0; i < n; ++i) labels.push_back(static_cast<int32_t>(rng.below(static_cast<uint64_t>(k))));
  return labels;
}

Tensor labels_tensor(const std::vector<int32_t>& labels) {
  return Tensor::from_plain({static_cast<int64_t>(labels.size())}, std::vector<float>(labels.begin(), labels.end()),
                            DType::s32);
}

struct RowsCase {
  const char* name;
  int64_t n, k;
  float scale;      // logits uniform in [-scale, scale]
  bool transposed;  // "ba" layout
  float smoothing;  // cross_entropy's label_smoothing
};

void PrintTo(const RowsCase& c, std::ostream* out) { *out << c.name; }

const RowsCase kRowsCases[] = {
    {"n1_k10", 1, 10, 3.0f, false, 0.0f},
    {"n3_k7_smoothed", 3, 7, 3.0f, false, 0.1f},
    {"n3_k1000_large_logits", 3, 1000, 40.0f, false, 0.2f},
    {"n3_k13_transposed", 3, 13, 5.0f, true, 0.05f},
};

class RowsTest : public ::testing::TestWithParam<RowsCase> {};

TEST_P(RowsTest, LogSoftmaxMatchesReference) {
  const RowsCase t = GetParam();
  Rng rng(61);
  const Var z = logits_var({t.n, t.k}, t.scale, t.transposed, rng);
  const Tensor dy = test_support::random_tensor({t.n, t.k}, rng);
  const Var y = log_softmax(z);
  y.backward(dy);
  const Reference ref = reference_log_softmax(z.data().to_plain(), dy.to_plain(), t.n, t.k);
  EXPECT_LE(closeness(y.data().to_plain(), ref.y, kAtol, kRtol), 1.0);
  EXPECT_TRUE(z.grad().desc() == z.data().desc()) << "gradient not in the input's layout";
  EXPECT_LE(closeness(z.grad().to_plain(), ref.dx, kAtol, kRtol), 1.0);
}

TEST_P(RowsTest, CrossEntropyMatchesReference) {
  const RowsCase t = GetParam();
  Rng rng(62);
  const Var z = logits_var({t.n, t.k}, t.scale, t.transposed, rng);
  const auto labels = random_labels(t.n, t.k, rng);
  const Var loss = cross_entropy(z, labels, {.label_smoothing = t.smoothing});
  EXPECT_EQ(loss.dims(), Dims{1});
  loss.backward(Tensor::full({1}, 0.5f));
  const Reference ref = reference_cross_entropy(z.data().to_plain(), labels, t.smoothing, t.n, t.k);
  EXPECT_LE(closeness(loss.data().to_plain(), std::vector<double>{ref.loss}, kAtol, kRtol), 1.0);
  std::vector<double> dz = ref.dx;
  for (auto& v : dz) v *= 0.5;
  EXPECT_TRUE(z.grad().desc() == z.data().desc());
  EXPECT_LE(closeness(z.grad().to_plain(), dz, kAtol, kRtol), 1.0);
}

TEST_P(RowsTest, LogSoftmaxAndCrossEntropyMatchFiniteDifferences) {
  const RowsCase t = GetParam();
  Rng rng(63);
  const float scale = std::min(t.scale, 5.0f);  // float round-off in large logits swamps the differences
  const std::vector<Tensor> inputs{test_support::random_tensor({t.n, t.k}, rng, -scale, scale)};
  const auto labels = random_labels(t.n, t.k, rng);
  test_support::expect_gradcheck([](const std::vector<Var>& v) { return log_softmax(v[0]); }, inputs);
  test_support::expect_gradcheck(
      [&](const std::vector<Var>& v) { return cross_entropy(v[0], labels, {.label_smoothing = t.smoothing}); }, inputs);
}

INSTANTIATE_TEST_SUITE_P(Shapes, RowsTest, ::testing::ValuesIn(kRowsCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

struct KlCase {
  const char* name;
  int64_t n, k;
  float temperature;
  bool teacher_grad;
};

void PrintTo(const KlCase& c, std::ostream* out) { *out << c.name; }

const KlCase kKlCases[] = {
    {"n1_k10_t1", 1, 10, 1.0f, true},
    {"n3_k10_t4", 3, 10, 4.0f, true},
    {"n3_k100_t4_frozen_teacher", 3, 100, 4.0f, false},
    {"n3_k7_t1_frozen_teacher", 3, 7, 1.0f, false},
};

class KlTest : public ::testing::TestWithParam<KlCase> {};

TEST_P(KlTest, MatchesReference) {
  const KlCase t = GetParam();
  Rng rng(64);
  const Var s = logits_var({t.n, t.k}, 4.0f, false, rng);
  const Var teacher = logits_var({t.n, t.k}, 4.0f, false, rng, t.teacher_grad);
  const Var loss = kl_div_with_temperature(s, teacher, t.temperature);
  EXPECT_EQ(loss.dims(), Dims{1});
  loss.backward();
  const Reference ref = reference_kl(s.data().to_plain(), teacher.data().to_plain(), t.temperature, t.n, t.k);
  EXPECT_LE(closeness(loss.data().to_plain(), std::vector<double>{ref.loss}, kAtol, kRtol), 1.0);
  EXPECT_LE(closeness(s.grad().to_plain(), ref.dx, kAtol, kRtol), 1.0);
  if (t.teacher_grad) {
    EXPECT_LE(closeness(teacher.grad().to_plain(), ref.dt, kAtol, kRtol), 1.0);
  } else {
    EXPECT_FALSE(teacher.grad().defined()) << "a frozen teacher gets no gradient";
  }
}

TEST_P(KlTest, MatchesFiniteDifferences) {
  const KlCase t = GetParam();
  Rng rng(65);
  const std::vector<Tensor> inputs{test_support::random_tensor({t.n, t.k}, rng, -4, 4),
                                   test_support::random_tensor({t.n, t.k}, rng, -4, 4)};
  test_support::expect_gradcheck(
      [&](const std::vector<Var>& v) { return kl_div_with_temperature(v[0], v[1], t.temperature); }, inputs,
      {.check_input = {true, t.teacher_grad}});
}

INSTANTIATE_TEST_SUITE_P(Shapes, KlTest, ::testing::ValuesIn(kKlCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

struct MseCase {
  const char* name;
  Dims dims;
  bool a_blocked, b_blocked;  // nChw16c
};

void PrintTo(const MseCase& c, std::ostream* out) { *out << c.name; }

const MseCase kMseCases[] = {
    {"plain_20_odd", {3, 20, 7, 13}, false, false},
    {"blocked_24", {3, 24, 7, 7}, true, true},
    {"blocked_and_plain_batch1", {1, 24, 13, 13}, true, false},
    {"rows_2d", {3, 10}, false, false},
};

Var mse_input(const Dims& dims, bool blocked, Rng& rng) {
  const Tensor x = test_support::random_tensor(dims, rng);
  return Var(blocked ? x.to_layout(memory::desc(dims, dt::f32, memory::format_tag::nChw16c)) : x, true);
}

class MseTest : public ::testing::TestWithParam<MseCase> {};

// loss = (1/M) sum (a - b)^2; da = 2 g (a - b) / M; db = -da.
TEST_P(MseTest, MatchesReference) {
  const MseCase t = GetParam();
  Rng rng(66);
  const Var a = mse_input(t.dims, t.a_blocked, rng), b = mse_input(t.dims, t.b_blocked, rng);
  const Var loss = mse_loss(a, b);
  loss.backward(Tensor::full({1}, 3.0f));
  const auto av = a.data().to_plain(), bv = b.data().to_plain();
  const auto m = static_cast<double>(av.size());
  double ref = 0;
  std::vector<double> da, db;
  for (size_t i = 0; i < av.size(); ++i) {
    const double d = static_cast<double>(av[i]) - bv[i];
    ref += d * d / m;
    da.push_back(2 * 3.0 * d / m);
    db.push_back(-2 * 3.0 * d / m);
  }
  EXPECT_LE(closeness(loss.data().to_plain(), std::vector<double>{ref}, kAtol, kRtol), 1.0);
  EXPECT_TRUE(a.grad().desc() == a.data().desc() && b.grad().desc() == b.data().desc())
      << "gradients not in the inputs' layouts";
  EXPECT_LE(closeness(a.grad().to_plain(), da, 1e-9, kRtol), 1.0);
  EXPECT_LE(closeness(b.grad().to_plain(), db, 1e-9, kRtol), 1.0);
}

TEST_P(MseTest, MatchesFiniteDifferences) {
  const MseCase t = GetParam();
  Rng rng(67);
  test_support::expect_gradcheck([](const std::vector<Var>& v) { return mse_loss(v[0], v[1]); },
                                 {test_support::random_tensor(t.dims, rng), test_support::random_tensor(t.dims, rng)});
}

INSTANTIATE_TEST_SUITE_P(Shapes, MseTest, ::testing::ValuesIn(kMseCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Losses, MatchPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<std::pair<std::string, std::vector<float>>> values;
  };
  std::vector<Got> got;
  auto plain = [](const Var& v) { return v.data().to_layout(plain_desc(v.dims())); };
  for (const auto& t : kRowsCases) {
    Rng rng(600 + got.size());
    const Var z = logits_var({t.n, t.k}, t.scale, t.transposed, rng);
    const Tensor dy = test_support::random_tensor({t.n, t.k}, rng);
    const Var y = log_softmax(z);
    y.backward(dy);
    torch.add(std::string("log_softmax_") + t.name, "log_softmax", "{}", {{"z", plain(z)}, {"dy", dy}});
    got.push_back({std::string("log_softmax_") + t.name, {{"y", y.data().to_plain()}, {"dz", z.grad().to_plain()}}});
    for (float smoothing : {0.0f, 0.1f}) {
      const Var zc = logits_var({t.n, t.k}, t.scale, t.transposed, rng);
      const auto labels = random_labels(t.n, t.k, rng);
      const Var loss = cross_entropy(zc, labels, {.label_smoothing = smoothing});
      loss.backward();
      std::string id = std::string("cross_entropy_") + t.name;
      id.append(smoothing > 0 ? "_smoothed" : "_hard");
      torch.add(id, "cross_entropy", R"({"label_smoothing":)" + std::to_string(smoothing) + "}",
                {{"z", plain(zc)}, {"labels", labels_tensor(labels)}, {"dy", Tensor::full({1}, 1.0f)}});
      got.push_back({id, {{"y", loss.data().to_plain()}, {"dz", zc.grad().to_plain()}}});
    }
  }
  for (const auto& t : kKlCases) {
    Rng rng(700 + got.size());
    const Var s = logits_var({t.n, t.k}, 4.0f, false, rng);
    const Var teacher = logits_var({t.n, t.k}, 4.0f, false, rng, t.teacher_grad);
    const Var loss = kl_div_with_temperature(s, teacher, t.temperature);
    loss.backward();
    const std::string id = std::string("kl_") + t.name;
    torch.add(id, "kl_div_with_temperature",
              R"({"temperature":)" + std::to_string(t.temperature) + (t.teacher_grad ? "}" : R"(,"constant":["t"]})"),
              {{"s", plain(s)}, {"t", plain(teacher)}, {"dy", Tensor::full({1}, 1.0f)}});
    Got g{id, {{"y", loss.data().to_plain()}, {"ds", s.grad().to_plain()}}};
    if (t.teacher_grad) g.values.emplace_back("dt", teacher.grad().to_plain());
    got.push_back(g);
  }
  for (const auto& t : kMseCases) {
    Rng rng(800 + got.size());
    const Var a = mse_input(t.dims, t.a_blocked, rng), b = mse_input(t.dims, t.b_blocked, rng);
    const Var loss = mse_loss(a, b);
    loss.backward();
    const std::string id = std::string("mse_") + t.name;
    torch.add(id, "mse_loss", "{}", {{"a", plain(a)}, {"b", plain(b)}, {"dy", Tensor::full({1}, 1.0f)}});
    got.push_back({id, {{"y", loss.data().to_plain()}, {"da", a.grad().to_plain()}, {"db", b.grad().to_plain()}}});
  }
  torch.run();
  for (const auto& g : got)
    for (const auto& [name, values] : g.values)
      test_support::expect_matches_torch(values, torch.result(g.id, name), kAtol, kRtol, g.id + " " + name);
}

TEST(Losses, CrossEntropyRejectsLabelsOutOfRange) {
  Rng rng(1);
  const Var z = logits_var({3, 5}, 1.0f, false, rng);
  test_support::expect_error(
      [&] {
        (void)cross_entropy(z, {0, 4, 7});
      },
      "cross_entropy: label 7 at index 2 is out of range [0, K) for K = 5 classes");
  test_support::expect_error(
      [&] {
        (void)cross_entropy(z, {-1, 0, 0});
      },
      "cross_entropy: label -1 at index 0 is out of range [0, K) for K = 5 classes");
  test_support::expect_error(
      [&] {
        (void)cross_entropy(z, {0, 1});
      },
      "cross_entropy: expected 3 labels (one per row of logits [3, 5]), got 2");
  test_support::expect_error(
      [&] {
        (void)cross_entropy(z, {0, 1, 2}, {.label_smoothing = 1.5f});
      },
      "cross_entropy: label_smoothing must be in [0, 1], got 1.5");
}

TEST(Losses, BadShapesNameTheArgument) {
  Rng rng(2);
  const Var z = logits_var({3, 5}, 1.0f, false, rng);
  test_support::expect_error(
      [&] {
        (void)log_softmax(test_support::random_var({3, 5, 2}, rng));
      },
      "log_softmax: expected logits dims (N, K), got [3, 5, 2]");
  test_support::expect_error(
      [&] {
        (void)kl_div_with_temperature(z, logits_var({3, 6}, 1.0f, false, rng), 2.0f);
      },
      "kl_div_with_temperature: student_logits dims [3, 5] differ from teacher_logits dims [3, 6]");
  test_support::expect_error([&] { (void)kl_div_with_temperature(z, z, 0.0f); },
                             "kl_div_with_temperature: temperature must be > 0, got 0");
  test_support::expect_error(
      [&] {
        (void)mse_loss(z, test_support::random_var({5, 3}, rng));
      },
      "mse_loss: a has dims [3, 5] but b has dims [5, 3]");
}

}  // namespace
}  // namespace minnow
