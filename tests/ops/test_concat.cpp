// concat and split against double-precision slicing loops (forward and backward),
// finite differences and PyTorch (torch.cat, torch.split), on plain and nChw16c inputs;
// blocked inputs must give blocked outputs, and aligned blocked cuts move no activation.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/reorder.h"
#include "ops/concat.h"
#include "ops/primitive_cache.h"
#include "tests/support/errors.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using dnnl::memory;

memory::desc nchw16c(const Dims& dims) { return memory::desc(dims, dt::f32, memory::format_tag::nChw16c); }

// The layout a 4-D output must have when it is blocked: nChw16c; otherwise plain.
memory::desc expected_desc(const Dims& dims, bool blocked) { return blocked ? nchw16c(dims) : plain_desc(dims); }

// True when every padding element of t's physical buffer is zero.
bool padding_is_zero(const Tensor& t) {
  double physical = 0, logical = 0;
  for (float v : t.f32_buffer()) physical += std::abs(v);
  for (float v : t.to_plain()) logical += std::abs(v);
  return physical == logical;
}

// Plain row-major dims view around axis: (outer, size along axis, inner).
int64_t outer_of(const Dims& d, int axis) { return product(Dims(d.begin(), d.begin() + axis)); }
int64_t inner_of(const Dims& d, int axis) { return product(Dims(d.begin() + axis + 1, d.end())); }

// Pure data movement, so references and results compare bit-exact.
// y = [x_0, x_1, ...] along axis: for each outer index o the C_i inner-rows of each x_i follow each other.
std::vector<float> reference_concat(const std::vector<std::vector<float>>& xs, const std::vector<Dims>& dims,
                                    int axis) {
  std::vector<float> y;
  const int64_t outer = outer_of(dims[0], axis), inner = inner_of(dims[0], axis);
  for (int64_t o = 0; o < outer; ++o)
    for (size_t i = 0; i < xs.size(); ++i) {
      const int64_t c = dims[i][static_cast<size_t>(axis)];
      for (int64_t e = o * c * inner; e < (o + 1) * c * inner; ++e) y.push_back(xs[i][static_cast<size_t>(e)]);
    }
  return y;
}

// piece_i[o, c, r] = x[o, offset_i + c, r].
std::vector<std::vector<float>> reference_split(const std::vector<float>& x, const Dims& dims,
                                                const std::vector<int64_t>& sizes, int axis) {
  const int64_t outer = outer_of(dims, axis), inner = inner_of(dims, axis), c = dims[static_cast<size_t>(axis)];
  std::vector<std::vector<float>> pieces;
  int64_t offset = 0;
  for (auto s : sizes) {
    std::vector<float> piece;
    for (int64_t o = 0; o < outer; ++o)
      for (int64_t e = (o * c + offset) * inner; e < (o * c + offset + s) * inner; ++e)
        piece.push_back(x[static_cast<size_t>(e)]);
    pieces.push_back(piece);
    offset += s;
  }
  return pieces;
}

struct ConcatCase {
  const char* name;
  std::vector<Dims> dims;
  std::vector<bool> blocked;  // nChw16c per input
  int axis;
};

void PrintTo(const ConcatCase& c, std::ostream* out) { *out << c.name; }

const ConcatCase kConcatCases[] = {
    {"plain_3_5", {{3, 3, 7, 7}, {3, 5, 7, 7}}, {false, false}, 1},
    {"blocked_16_32", {{1, 16, 13, 13}, {1, 32, 13, 13}}, {true, true}, 1},
    {"blocked_24_24", {{3, 24, 7, 7}, {3, 24, 7, 7}}, {true, true}, 1},
    {"blocked_24_20_padded", {{3, 24, 7, 7}, {3, 20, 7, 7}}, {true, true}, 1},
    {"plain_20_3_8", {{2, 20, 7, 13}, {2, 3, 7, 13}, {2, 8, 7, 13}}, {false, false, false}, 1},
    {"plain_8_blocked_16", {{1, 8, 7, 7}, {1, 16, 7, 7}}, {false, true}, 1},
    {"blocked_batch_axis", {{1, 16, 7, 7}, {3, 16, 7, 7}}, {true, true}, 0},
    {"plain_width_axis", {{3, 4, 7, 13}, {3, 4, 7, 6}}, {false, false}, 3},
    {"rows_2d", {{3, 10}, {3, 4}}, {false, false}, 1},
    {"single_blocked", {{1, 24, 7, 7}}, {true}, 1},
};

std::vector<Var> concat_inputs(const ConcatCase& t, Rng& rng) {
  std::vector<Var> xs;
  for (size_t i = 0; i < t.dims.size(); ++i) {
    const Tensor x = test_support::random_tensor(t.dims[i], rng);
    xs.emplace_back(t.blocked[i] ? x.to_layout(nchw16c(t.dims[i])) : x, true);
  }
  return xs;
}

class ConcatTest : public ::testing::TestWithParam<ConcatCase> {};

TEST_P(ConcatTest, MatchesReferenceAndKeepsBlockedLayouts) {
  const ConcatCase t = GetParam();
  Rng rng(21);
  const std::vector<Var> xs = concat_inputs(t, rng);
  std::vector<std::vector<float>> xv;
  for (const auto& x : xs) xv.push_back(x.data().to_plain());

  const uint64_t reorders = reorder_count();
  const Var y = concat(xs, t.axis);
  EXPECT_EQ(reorder_count(), reorders);
  const bool any_blocked = std::find(t.blocked.begin(), t.blocked.end(), true) != t.blocked.end();
  EXPECT_TRUE(y.data().desc() == expected_desc(y.dims(), any_blocked)) << "concat output in an unexpected layout";
  EXPECT_TRUE(padding_is_zero(y.data()));
  EXPECT_EQ(y.data().to_plain(), reference_concat(xv, t.dims, t.axis));

  const Tensor dy = test_support::random_tensor(y.dims(), rng);
  std::vector<int64_t> sizes;
  for (const auto& d : t.dims) sizes.push_back(d[static_cast<size_t>(t.axis)]);
  const auto dx = reference_split(dy.to_plain(), y.dims(), sizes, t.axis);
  y.backward(dy.to_layout(y.data().desc()));
  for (size_t i = 0; i < xs.size(); ++i) {
    EXPECT_TRUE(xs[i].grad().desc() == xs[i].data().desc()) << "dx" << i << " not in x" << i << "'s layout";
    EXPECT_TRUE(padding_is_zero(xs[i].grad()));
    EXPECT_EQ(xs[i].grad().to_plain(), dx[i]) << "dx" << i;
  }
}

TEST_P(ConcatTest, MatchesFiniteDifferences) {
  const ConcatCase t = GetParam();
  Rng rng(4);
  std::vector<Tensor> inputs;
  for (const auto& d : t.dims) inputs.push_back(test_support::random_tensor(d, rng));
  test_support::expect_gradcheck([&](const std::vector<Var>& v) { return concat(v, t.axis); }, inputs);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ConcatTest, ::testing::ValuesIn(kConcatCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

struct SplitCase {
  const char* name;
  Dims dims;
  bool blocked;
  std::vector<int64_t> sizes;
  int axis;
  uint64_t counted_reorders;  // 0 when every cut falls on a block boundary
};

void PrintTo(const SplitCase& c, std::ostream* out) { *out << c.name; }

const SplitCase kSplitCases[] = {
    {"blocked_16_32", {3, 48, 7, 7}, true, {16, 32}, 1, 0},
    {"blocked_24_24", {1, 48, 13, 13}, true, {24, 24}, 1, 1},
    {"blocked_58_58", {1, 116, 7, 7}, true, {58, 58}, 1, 1},
    {"blocked_32_8_padded", {3, 40, 7, 7}, true, {32, 8}, 1, 0},
    {"plain_3_5_12", {3, 20, 7, 13}, false, {3, 5, 12}, 1, 0},
    {"plain_height_axis", {3, 4, 13, 7}, false, {6, 7}, 2, 0},
    {"rows_2d", {3, 14}, false, {10, 4}, 1, 0},
    {"single_piece_blocked", {1, 24, 7, 7}, true, {24}, 1, 0},
};

Var split_input(const SplitCase& t, Rng& rng) {
  const Tensor x = test_support::random_tensor(t.dims, rng);
  return Var(t.blocked ? x.to_layout(nchw16c(t.dims)) : x, true);
}

class SplitTest : public ::testing::TestWithParam<SplitCase> {};

TEST_P(SplitTest, MatchesReferenceAndKeepsBlockedLayouts) {
  const SplitCase t = GetParam();
  Rng rng(22);
  const Var x = split_input(t, rng);
  const uint64_t reorders = reorder_count();
  const std::vector<Var> ys = split(x, t.sizes, t.axis);
  EXPECT_EQ(reorder_count() - reorders, t.counted_reorders);
  const auto ref = reference_split(x.data().to_plain(), t.dims, t.sizes, t.axis);
  ASSERT_EQ(ys.size(), t.sizes.size());

  std::vector<Tensor> dys;
  std::vector<std::vector<float>> dyv;
  std::vector<Dims> piece_dims;
  for (size_t i = 0; i < ys.size(); ++i) {
    EXPECT_TRUE(ys[i].data().desc() == expected_desc(ys[i].dims(), t.blocked)) << "piece " << i << " layout";
    EXPECT_TRUE(padding_is_zero(ys[i].data()));
    EXPECT_EQ(ys[i].data().to_plain(), ref[i]) << "piece " << i;
    dys.push_back(test_support::random_tensor(ys[i].dims(), rng));
    dyv.push_back(dys.back().to_plain());
    piece_dims.push_back(ys[i].dims());
  }
  // Backward from every piece in turn (the graph retained) accumulates the concatenation.
  for (size_t i = 0; i < ys.size(); ++i)
    ys[i].backward(dys[i].to_layout(ys[i].data().desc()), /*retain_graph=*/i + 1 < ys.size());
  EXPECT_TRUE(x.grad().desc() == x.data().desc());
  EXPECT_TRUE(padding_is_zero(x.grad()));
  EXPECT_EQ(x.grad().to_plain(), reference_concat(dyv, piece_dims, t.axis));
}

TEST_P(SplitTest, UnusedPiecesGetZeroGradient) {
  const SplitCase t = GetParam();
  Rng rng(23);
  const Var x = split_input(t, rng);
  const std::vector<Var> ys = split(x, t.sizes, t.axis);
  const size_t used = ys.size() - 1;
  const Tensor dy = test_support::random_tensor(ys[used].dims(), rng);
  ys[used].backward(dy.to_layout(ys[used].data().desc()));
  std::vector<std::vector<float>> dyv;
  std::vector<Dims> piece_dims;
  for (const auto& y : ys) {
    piece_dims.push_back(y.dims());
    dyv.emplace_back(static_cast<size_t>(product(y.dims())), 0.0f);
  }
  dyv[used] = dy.to_plain();
  EXPECT_EQ(x.grad().to_plain(), reference_concat(dyv, piece_dims, t.axis));
}

TEST_P(SplitTest, MatchesFiniteDifferences) {
  const SplitCase t = GetParam();
  Rng rng(6);
  const std::vector<Tensor> inputs{test_support::random_tensor(t.dims, rng)};
  for (size_t piece = 0; piece < t.sizes.size(); ++piece)
    test_support::expect_gradcheck([&](const std::vector<Var>& v) { return split(v[0], t.sizes, t.axis)[piece]; },
                                   inputs);
}

INSTANTIATE_TEST_SUITE_P(Shapes, SplitTest, ::testing::ValuesIn(kSplitCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

// prefix followed by i, e.g. "x0" (append, not "lit" + std::string&&, which trips GCC 12's -Wrestrict).
std::string numbered(const char* prefix, size_t i) {
  std::string name(prefix);
  name.append(std::to_string(i));
  return name;
}

std::string axis_args(int axis) { return R"({"axis":)" + std::to_string(axis); }

TEST(Concat, MatchesPyTorch) {
  test_support::TorchParity torch;
  std::vector<std::pair<std::string, std::vector<std::vector<float>>>> got;  // y, dx0, dx1, ...
  for (const auto& t : kConcatCases) {
    Rng rng(200 + got.size());
    const std::vector<Var> xs = concat_inputs(t, rng);
    const Var y = concat(xs, t.axis);
    const Tensor dy = test_support::random_tensor(y.dims(), rng);
    y.backward(dy.to_layout(y.data().desc()));
    std::vector<std::pair<std::string, Tensor>> inputs{{"dy", dy}};
    std::vector<std::vector<float>> values{y.data().to_plain()};
    for (size_t i = 0; i < xs.size(); ++i) {
      inputs.emplace_back(numbered("x", i), xs[i].data().to_layout(plain_desc(xs[i].dims())));
      values.push_back(xs[i].grad().to_plain());
    }
    torch.add(t.name, "concat", axis_args(t.axis) + R"(,"n":)" + std::to_string(xs.size()) + "}", inputs);
    got.emplace_back(t.name, values);
  }
  torch.run();
  for (const auto& [id, values] : got) {
    EXPECT_EQ(values[0], torch.result(id, "y")) << id << " y";  // pure data movement: bit-exact
    for (size_t i = 1; i < values.size(); ++i)
      EXPECT_EQ(values[i], torch.result(id, numbered("dx", i - 1))) << id << " dx" << i - 1;
  }
}

TEST(Split, MatchesPyTorch) {
  test_support::TorchParity torch;
  std::vector<std::pair<std::string, std::vector<std::vector<float>>>> got;  // y0, y1, ..., dx
  for (const auto& t : kSplitCases) {
    Rng rng(300 + got.size());
    const Var x = split_input(t, rng);
    const std::vector<Var> ys = split(x, t.sizes, t.axis);
    std::vector<std::pair<std::string, Tensor>> inputs{{"x", x.data().to_layout(plain_desc(t.dims))}};
    std::vector<std::vector<float>> values;
    for (size_t i = 0; i < ys.size(); ++i) {
      const Tensor dy = test_support::random_tensor(ys[i].dims(), rng);
      ys[i].backward(dy.to_layout(ys[i].data().desc()), i + 1 < ys.size());
      inputs.emplace_back(numbered("dy_y", i), dy);
      values.push_back(ys[i].data().to_plain());
    }
    values.push_back(x.grad().to_plain());
    torch.add(t.name, "split", axis_args(t.axis) + R"(,"sizes":)" + dims_str(t.sizes) + "}", inputs);
    got.emplace_back(t.name, values);
  }
  torch.run();
  for (const auto& [id, values] : got) {
    for (size_t i = 0; i + 1 < values.size(); ++i)
      EXPECT_EQ(values[i], torch.result(id, numbered("y", i))) << id << " y" << i;
    EXPECT_EQ(values.back(), torch.result(id, "dx")) << id << " dx";
  }
}

TEST(Concat, RepeatedStepBuildsNothingNew) {
  Rng rng(8);
  const Dims a{2, 24, 7, 7}, b{2, 40, 7, 7};
  const Var x0(test_support::random_tensor(a, rng).to_layout(nchw16c(a)), true);
  const Var x1(test_support::random_tensor(b, rng).to_layout(nchw16c(b)), true);
  auto step = [&] {
    const Var y = concat({x0, x1});
    const std::vector<Var> pieces = split(y, {32, 32});
    pieces[1].backward(Tensor::zeros(pieces[1].data().desc()));
  };
  step();
  const uint64_t builds = primitive_builds();
  step();
  EXPECT_EQ(primitive_builds(), builds);
}

TEST(Concat, MismatchedDimsNameTheInput) {
  Rng rng(1);
  const Var a = test_support::random_var({2, 8, 7, 7}, rng), b = test_support::random_var({2, 4, 5, 7}, rng);
  test_support::expect_error(
      [&] {
        (void)concat({a, b});
      },
      "concat: input 1 has dims [2, 4, 5, 7], expected [2, *, 7, 7] (input 0's dims except along axis 1)");
  test_support::expect_error(
      [&] {
        (void)concat({a, test_support::random_var({2, 8, 7}, rng)});
      },
      "concat: input 1 has dims [2, 8, 7]");
  test_support::expect_error([&] { (void)concat({a, a}, 4); }, "concat: axis 4 is out of range for dims [2, 8, 7, 7]");
  test_support::expect_error([&] { (void)concat({}); }, "concat: expected at least one input");
}

TEST(Split, BadSizesAreRejected) {
  Rng rng(2);
  const Var x = test_support::random_var({2, 8, 7, 7}, rng);
  test_support::expect_error(
      [&] {
        (void)split(x, {3, 4});
      },
      "split: piece sizes [3, 4] sum to 7, expected x.dim(1) = 8 of x dims [2, 8, 7, 7]");
  test_support::expect_error([&] { (void)split(x, {8, 0}); }, "split: piece sizes must be positive, got [8, 0]");
  test_support::expect_error([&] { (void)split(x, {8}, -1); }, "split: axis -1 is out of range");
}

}  // namespace
}  // namespace minnow
