// resize_bilinear against a double-precision loop written from the half-pixel-centre
// definition (PyTorch's align_corners=False) and against F.interpolate itself, up and
// down, in plain and blocked layouts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "ops/resize.h"
#include "tests/support/errors.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using dnnl::memory;
using test_support::closeness;

constexpr double kAtol = 1e-5, kRtol = 1e-5;

// Output pixel o samples the input at (o + 0.5) in / out - 0.5, clamped below at 0; the
// two neighbours (the upper one clamped to in - 1) mix linearly.
std::vector<double> reference_resize(const std::vector<float>& x, const Dims& d, int64_t oh, int64_t ow) {
  auto taps = [](int64_t o, int64_t in, int64_t out) {
    const double src = std::max(0.0, (o + 0.5) * static_cast<double>(in) / static_cast<double>(out) - 0.5);
    const auto lo = std::min(static_cast<int64_t>(src), in - 1);
    return std::tuple{lo, std::min(lo + 1, in - 1), src - static_cast<double>(lo)};
  };
  std::vector<double> y;
  for (int64_t nc = 0; nc < d[0] * d[1]; ++nc)
    for (int64_t i = 0; i < oh; ++i)
      for (int64_t j = 0; j < ow; ++j) {
        const auto [y0, y1, fy] = taps(i, d[2], oh);
        const auto [x0, x1, fx] = taps(j, d[3], ow);
        auto at = [&](int64_t r, int64_t c) {
          return static_cast<double>(x[static_cast<size_t>((nc * d[2] + r) * d[3] + c)]);
        };
        const double top = (1 - fx) * at(y0, x0) + fx * at(y0, x1);
        const double bottom = (1 - fx) * at(y1, x0) + fx * at(y1, x1);
        y.push_back((1 - fy) * top + fy * bottom);
      }
  return y;
}

struct ResizeCase {
  const char* name;
  Dims x;
  int64_t oh, ow;
  bool blocked;  // nChw16c input
};

void PrintTo(const ResizeCase& c, std::ostream* out) { *out << c.name; }

const ResizeCase kCases[] = {
    {"up_28_to_32", {2, 1, 28, 28}, 32, 32, false},
    {"down_32_to_20", {2, 3, 32, 32}, 20, 20, false},
    {"non_square_up_and_down", {1, 2, 7, 12}, 10, 5, false},
    {"blocked_16ch_up", {2, 16, 9, 9}, 14, 14, true},
};

Tensor input(const ResizeCase& t, Rng& rng) {
  const Tensor x = test_support::random_tensor(t.x, rng);
  return t.blocked ? x.to_layout(memory::desc(t.x, dt::f32, memory::format_tag::nChw16c)) : x;
}

class ResizeTest : public ::testing::TestWithParam<ResizeCase> {};

TEST_P(ResizeTest, MatchesReference) {
  const ResizeCase t = GetParam();
  Rng rng(71);
  const Tensor x = input(t, rng);
  const Tensor y = resize_bilinear(x, t.oh, t.ow);
  EXPECT_EQ(y.dims(), (Dims{t.x[0], t.x[1], t.oh, t.ow}));
  EXPECT_EQ(y.is_plain(), x.is_plain()) << "the output should keep the input's layout";
  EXPECT_LE(closeness(y.to_plain(), reference_resize(x.to_plain(), t.x, t.oh, t.ow), kAtol, kRtol), 1.0);
}

INSTANTIATE_TEST_SUITE_P(Shapes, ResizeTest, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return std::string(param_info.param.name); });

TEST(Resize, MatchesPyTorch) {
  test_support::TorchParity torch;
  std::vector<std::vector<float>> got;
  for (const auto& t : kCases) {
    Rng rng(710 + got.size());
    const Tensor x = input(t, rng);
    got.push_back(resize_bilinear(x, t.oh, t.ow).to_plain());
    torch.add(t.name, "resize_bilinear",
              R"({"height":)" + std::to_string(t.oh) + R"(,"width":)" + std::to_string(t.ow) + R"(,"constant":["x"]})",
              {{"x", x.to_layout(plain_desc(t.x))}});
  }
  torch.run();
  for (size_t i = 0; i < got.size(); ++i)
    test_support::expect_matches_torch(got[i], torch.result(kCases[i].name, "y"), kAtol, kRtol, kCases[i].name);
}

TEST(Resize, SameSizeIsTheInputAndBadInputsAreNamed) {
  Rng rng(72);
  const Tensor x = test_support::random_tensor({1, 2, 5, 5}, rng);
  EXPECT_EQ(resize_bilinear(x, 5, 5).raw(), x.raw());
  test_support::expect_error([&] { (void)resize_bilinear(test_support::random_tensor({2, 5}, rng), 3, 3); },
                             "resize_bilinear: expected input dims (N, C, H, W), got [2, 5]");
  test_support::expect_error([&] { (void)resize_bilinear(x, 0, 3); },
                             "resize_bilinear: expected an output size >= 1, got 0x3");
}

}  // namespace
}  // namespace minnow
