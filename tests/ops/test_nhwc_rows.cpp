// nhwc_rows: the portable and the AVX-512 loops (where this CPU has it) against the definitions,
// to the bit: channel sums in int64 over u8 and s8 rows added to sums already there; the f32
// product of each integer and its channel's multiplier rounded half to even (exact .5 ties) and
// saturated to u8 or s8 (every pair of types), in place too. Channel counts leave tails below
// and past one vector of 16, and guard bytes after the rows must come back untouched.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "core/cpu_features.h"
#include "core/rng.h"
#include "ops/int8/nhwc_rows.h"

namespace minnow {
namespace {

constexpr size_t kGuard = 64;       // bytes after the rows that no loop may write
constexpr uint8_t kGuardByte = 0xA5;

template <class T>
std::vector<T> random_ints(size_t n, Rng& rng) {
  std::vector<T> v(n);
  for (T& e : v)
    e = static_cast<T>(std::nearbyint(rng.uniform(std::numeric_limits<T>::min(), std::numeric_limits<T>::max())));
  return v;
}

struct Shape {
  int64_t rows, channels;
};
constexpr Shape kShapes[] = {{1, 1}, {3, 16}, {17, 37}, {40, 58}, {5, 96}, {2, 1152}};

// Each implementation by name, the vector one only where the CPU runs it.
template <class Fn>
void for_each_path(Fn&& fn) {
  {
    SCOPED_TRACE("portable");
    fn(false);
  }
  if (cpu_has_avx512_bw()) {
    SCOPED_TRACE("avx512");
    fn(true);
  }
}

template <class T>
void check_sums(Rng& rng) {
  for_each_path([&](bool vector) {
    for (const Shape s : kShapes) {
      SCOPED_TRACE(testing::Message() << s.rows << " x " << s.channels);
      const std::vector<T> x = random_ints<T>(static_cast<size_t>(s.rows * s.channels), rng);
      std::vector<int32_t> acc(static_cast<size_t>(s.channels) + kGuard);
      for (size_t c = 0; c < acc.size(); ++c) acc[c] = static_cast<int32_t>(c * 7) - 100;
      std::vector<int64_t> want(acc.begin(), acc.end());
      for (int64_t p = 0; p < s.rows; ++p)
        for (int64_t c = 0; c < s.channels; ++c)
          want[static_cast<size_t>(c)] += x[static_cast<size_t>(p * s.channels + c)];
      if (vector)
        nhwc_rows::avx512::sum_rows(x.data(), s.rows, s.channels, acc.data());
      else
        nhwc_rows::portable::sum_rows(x.data(), s.rows, s.channels, acc.data());
      for (size_t c = 0; c < acc.size(); ++c) ASSERT_EQ(acc[c], want[c]) << "channel " << c;
    }
  });
}

TEST(NhwcRows, SumRowsAddsEveryRowToEachChannel) {
  Rng rng(3);
  {
    SCOPED_TRACE("u8");
    check_sums<uint8_t>(rng);
  }
  {
    SCOPED_TRACE("s8");
    check_sums<int8_t>(rng);
  }
}

// Multipliers: half of them 0.5 or -0.5 (every odd integer is then a tie), the rest spread over
// [-3, 3] so that both bounds of either type saturate.
std::vector<float> multipliers(int64_t channels, Rng& rng) {
  std::vector<float> m(static_cast<size_t>(channels));
  for (size_t c = 0; c < m.size(); ++c) m[c] = c % 2 == 0 ? (c % 4 == 0 ? 0.5f : -0.5f) : rng.uniform(-3.f, 3.f);
  return m;
}

template <class In, class Out>
Out defined_product(In q, float m) {
  const float v = static_cast<float>(q) * m;  // the f32 product
  const float lo = std::numeric_limits<Out>::min(), hi = std::numeric_limits<Out>::max();
  return static_cast<Out>(std::clamp(std::nearbyint(v), lo, hi));
}

template <class In, class Out>
void check_scale(Rng& rng) {
  for_each_path([&](bool vector) {
    size_t ties = 0, saturated = 0;
    for (const Shape s : kShapes) {
      SCOPED_TRACE(testing::Message() << s.rows << " x " << s.channels);
      const size_t n = static_cast<size_t>(s.rows * s.channels);
      const std::vector<In> x = random_ints<In>(n, rng);
      const std::vector<float> m = multipliers(s.channels, rng);
      std::vector<Out> y(n + kGuard);
      std::fill(reinterpret_cast<uint8_t*>(y.data()), reinterpret_cast<uint8_t*>(y.data() + y.size()), kGuardByte);
      if (vector)
        nhwc_rows::avx512::scale_rows(x.data(), s.rows, s.channels, m.data(), y.data());
      else
        nhwc_rows::portable::scale_rows(x.data(), s.rows, s.channels, m.data(), y.data());
      for (size_t i = 0; i < n; ++i) {
        const float m_c = m[i % static_cast<size_t>(s.channels)];
        const Out want = defined_product<In, Out>(x[i], m_c);
        ASSERT_EQ(y[i], want) << "element " << i << ": " << int{x[i]} << " * " << m_c;
        const float v = static_cast<float>(x[i]) * m_c;
        ties += v != std::nearbyint(v) && v * 2 == std::nearbyint(v * 2);
        saturated += v < std::numeric_limits<Out>::min() - 0.5f || v > std::numeric_limits<Out>::max() + 0.5f;
      }
      for (size_t i = n; i < y.size(); ++i) ASSERT_EQ(static_cast<uint8_t>(y[i]), kGuardByte) << "guard byte " << i - n;
    }
    EXPECT_GT(ties, 100u);
    EXPECT_GT(saturated, 100u);
  });
}

TEST(NhwcRows, ScaleRowsIsTheF32ProductRoundedHalfToEvenAndSaturated) {
  Rng rng(7);
  {
    SCOPED_TRACE("u8 -> u8");
    check_scale<uint8_t, uint8_t>(rng);
  }
  {
    SCOPED_TRACE("u8 -> s8");
    check_scale<uint8_t, int8_t>(rng);
  }
  {
    SCOPED_TRACE("s8 -> u8");
    check_scale<int8_t, uint8_t>(rng);
  }
  {
    SCOPED_TRACE("s8 -> s8");
    check_scale<int8_t, int8_t>(rng);
  }
}

TEST(NhwcRows, ScaleRowsInPlaceGivesTheSameIntegers) {
  Rng rng(9);
  const int64_t rows = 23, channels = 75;
  const std::vector<int8_t> x = random_ints<int8_t>(static_cast<size_t>(rows * channels), rng);
  const std::vector<float> m = multipliers(channels, rng);
  std::vector<int8_t> want(x.size());
  nhwc_rows::portable::scale_rows(x.data(), rows, channels, m.data(), want.data());
  std::vector<int8_t> y = x;
  nhwc_rows::scale_rows(y.data(), rows, channels, m.data(), y.data());
  EXPECT_EQ(y, want);
}

}  // namespace
}  // namespace minnow
