// max_pool2d, avg_pool2d and global_avg_pool against a double-precision reference
// loop with PyTorch's window rules (ceil_mode, padding, count_include_pad), finite
// differences and PyTorch, on plain and blocked (nChw16c) inputs.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/reorder.h"
#include "ops/pooling.h"
#include "ops/primitive_cache.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using test_support::closeness;

enum class Kind { max, avg, global };

struct PoolCase {
  Kind kind;
  int64_t n, c, h, w;
  Pool2dOptions opt;
  bool blocked;
};

const char* op_name(Kind kind) {
  return kind == Kind::max ? "max_pool2d" : kind == Kind::avg ? "avg_pool2d" : "global_avg_pool";
}

std::ostream& operator<<(std::ostream& out, const PoolCase& c) {
  out << op_name(c.kind) << "_n" << c.n << "_c" << c.c << "_" << c.h << "x" << c.w;
  if (c.kind != Kind::global)
    out << "_k" << c.opt.kernel << "_s" << c.opt.stride << "_p" << c.opt.padding << (c.opt.ceil_mode ? "_ceil" : "")
        << (c.kind == Kind::avg && !c.opt.count_include_pad ? "_excludepad" : "");
  return out << (c.blocked ? "_blocked" : "");
}

const PoolCase kCases[] = {
    {Kind::max, 1, 3, 13, 13, {.kernel = 2, .ceil_mode = true}, false},                   // ceil adds a window
    {Kind::max, 3, 20, 7, 7, {.kernel = 3, .stride = 2, .padding = 1}, true},
    {Kind::max, 3, 24, 8, 13, {.kernel = 3, .stride = 2, .ceil_mode = true}, true},      // SqueezeNet's pool
    {Kind::max, 1, 3, 7, 7, {.kernel = 3, .stride = 4, .padding = 1, .ceil_mode = true}, false},  // window dropped
    {Kind::max, 2, 5, 13, 7, {.kernel = 3, .stride = 1, .padding = 1}, false},
    {Kind::max, 2, 20, 7, 7, {.kernel = 3, .stride = 1, .padding = 1, .ceil_mode = true}, true},  // GoogLeNet's branch4
    {Kind::max, 2, 20, 7, 7, {.kernel = 2, .stride = 2, .ceil_mode = true}, true},  // GoogLeNet's maxpool4, odd size
    {Kind::avg, 1, 3, 13, 13, {.kernel = 3, .stride = 2, .padding = 1}, false},
    {Kind::avg, 3, 20, 7, 7, {.kernel = 3, .stride = 2, .padding = 1, .count_include_pad = false}, true},
    {Kind::avg, 3, 24, 8, 7, {.kernel = 3, .stride = 2, .padding = 1, .ceil_mode = true}, true},  // overhang
    {Kind::avg, 1, 3, 8, 13,
     {.kernel = 3, .stride = 2, .padding = 1, .ceil_mode = true, .count_include_pad = false}, false},
    {Kind::avg, 2, 5, 7, 13, {.kernel = 2, .stride = 1}, false},
    {Kind::avg, 1, 3, 7, 7, {.kernel = 3, .stride = 4, .padding = 1, .ceil_mode = true}, false},
    {Kind::global, 3, 20, 7, 7, {}, true},
    {Kind::global, 1, 3, 13, 13, {}, false},
    {Kind::global, 3, 24, 13, 7, {}, false},
};

dnnl::memory::desc blocked_desc(const Dims& dims) {
  return dnnl::memory::desc(dims, dt::f32, dnnl::memory::format_tag::nChw16c);
}

size_t nonzeros(std::span<const float> values) {
  return static_cast<size_t>(std::count_if(values.begin(), values.end(), [](float v) { return v != 0.0f; }));
}

// The window geometry of a case in PyTorch's terms (global pooling: one window over the whole input).
struct Window {
  int64_t kh, kw, s, p, oh, ow;
};

int64_t torch_pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, bool ceil_mode) {
  int64_t out = (in + 2 * p - k + (ceil_mode ? s - 1 : 0)) / s + 1;
  if (ceil_mode && (out - 1) * s >= in + p) --out;
  return out;
}

Window window(const PoolCase& t) {
  if (t.kind == Kind::global) return {t.h, t.w, 1, 0, 1, 1};
  const int64_t k = t.opt.kernel, s = t.opt.stride == 0 ? k : t.opt.stride, p = t.opt.padding;
  return {k, k, s, p, torch_pooled_size(t.h, k, s, p, t.opt.ceil_mode),
          torch_pooled_size(t.w, k, s, p, t.opt.ceil_mode)};
}

struct Reference {
  std::vector<double> y, dx;
};

// Window [i s - p, i s - p + k) clipped to the input. max: y = max, dx[argmax] += dy.
// avg: y = sum / d, dx += dy / d, d = window clipped to [-p, H + p) (count_include_pad) or to the input.
Reference reference_pool(const PoolCase& t, const std::vector<float>& x, const std::vector<float>& dy) {
  const Window g = window(t);
  Reference r;
  r.y.assign(static_cast<size_t>(t.n * t.c * g.oh * g.ow), 0.0);
  r.dx.assign(x.size(), 0.0);
  for (int64_t nc = 0; nc < t.n * t.c; ++nc)
    for (int64_t i = 0; i < g.oh; ++i)
      for (int64_t j = 0; j < g.ow; ++j) {
        const int64_t h0 = i * g.s - g.p, w0 = j * g.s - g.p;
        const int64_t padded = (std::min(h0 + g.kh, t.h + g.p) - h0) * (std::min(w0 + g.kw, t.w + g.p) - w0);
        std::vector<size_t> at;
        for (int64_t a = std::max<int64_t>(h0, 0); a < std::min(h0 + g.kh, t.h); ++a)
          for (int64_t b = std::max<int64_t>(w0, 0); b < std::min(w0 + g.kw, t.w); ++b)
            at.push_back(static_cast<size_t>((nc * t.h + a) * t.w + b));
        const auto yi = static_cast<size_t>((nc * g.oh + i) * g.ow + j);
        if (t.kind == Kind::max) {
          size_t best = 0;
          double best_value = -INFINITY;
          for (size_t k : at) {
            if (x[k] > best_value) {
              best = k;
              best_value = x[k];
            }
          }
          r.y[yi] = best_value;
          r.dx[best] += dy[yi];
          continue;
        }
        const double d = t.kind == Kind::avg && !t.opt.count_include_pad ? static_cast<double>(at.size())
                                                                          : static_cast<double>(padded);
        for (size_t k : at) {
          r.y[yi] += x[k] / d;
          r.dx[k] += dy[yi] / d;
        }
      }
  return r;
}

Var pool(const PoolCase& t, const Var& x) {
  if (t.kind == Kind::max) return max_pool2d(x, t.opt);
  if (t.kind == Kind::avg) return avg_pool2d(x, t.opt);
  return global_avg_pool(x);
}

// Distinct values spaced further apart than twice the gradcheck step, shuffled: max pooling sees no ties.
Tensor distinct_tensor(const Dims& dims, Rng& rng) {
  std::vector<float> values(static_cast<size_t>(product(dims)));
  const auto n = static_cast<float>(values.size());
  for (size_t i = 0; i < values.size(); ++i) values[i] = 0.05f * (static_cast<float>(i) - n / 2);
  for (size_t i = values.size(); i > 1; --i) std::swap(values[i - 1], values[rng.below(i)]);
  return Tensor::from_plain(dims, values);
}

class PoolTest : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolTest, MatchesReferenceForwardAndBackward) {
  const PoolCase t = GetParam();
  Rng rng(11);
  const Tensor xt = test_support::random_tensor({t.n, t.c, t.h, t.w}, rng);
  const Var x(t.blocked ? xt.to_layout(blocked_desc(xt.dims())) : xt, true);
  const Var y = pool(t, x);
  const Window g = window(t);
  ASSERT_EQ(y.dims(), (Dims{t.n, t.c, g.oh, g.ow}));
  const Tensor dy = test_support::random_tensor(y.dims(), rng);
  const Reference ref = reference_pool(t, xt.to_plain(), dy.to_plain());
  EXPECT_LE(closeness(y.data().to_plain(), ref.y, 1e-6, 1e-5), 1.0);

  y.backward(dy.to_layout(y.data().desc()));
  EXPECT_EQ(x.grad().desc(), x.data().desc());
  EXPECT_LE(closeness(x.grad().to_plain(), ref.dx, 1e-6, 1e-5), 1.0);
}

TEST_P(PoolTest, MatchesFiniteDifferences) {
  const PoolCase t = GetParam();
  Rng rng(5);
  test_support::GradcheckOptions check;
  check.max_elements = 64;
  test_support::expect_gradcheck([&](const std::vector<Var>& v) { return pool(t, v[0]); },
                                 {distinct_tensor({t.n, t.c, t.h, t.w}, rng)}, check);
}

INSTANTIATE_TEST_SUITE_P(Shapes, PoolTest, ::testing::ValuesIn(kCases), [](const auto& param_info) {
  std::ostringstream name;
  name << param_info.param;
  return name.str();
});

TEST(Pooling, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, dx;
  };
  std::vector<Got> got;
  for (const auto& t : kCases) {
    Rng rng(100 + got.size());
    const Tensor xt = test_support::random_tensor({t.n, t.c, t.h, t.w}, rng);
    const Var x(t.blocked ? xt.to_layout(blocked_desc(xt.dims())) : xt, true);
    const Var y = pool(t, x);
    const Tensor dy = test_support::random_tensor(y.dims(), rng);
    y.backward(dy.to_layout(y.data().desc()));
    std::ostringstream id, args;
    id << t;
    args << R"({"kernel":)" << t.opt.kernel << R"(,"stride":)" << (t.opt.stride == 0 ? t.opt.kernel : t.opt.stride)
         << R"(,"padding":)" << t.opt.padding << R"(,"ceil_mode":)" << (t.opt.ceil_mode ? "true" : "false")
         << R"(,"count_include_pad":)" << (t.opt.count_include_pad ? "true" : "false") << "}";
    torch.add(id.str(), op_name(t.kind), args.str(), {{"x", xt}, {"dy", dy}});
    got.push_back({id.str(), y.data().to_plain(), x.grad().to_plain()});
  }
  torch.run();
  for (const auto& g : got) {
    test_support::expect_matches_torch(g.y, torch.result(g.id, "y"), 1e-6, 1e-5, g.id + " y");
    test_support::expect_matches_torch(g.dx, torch.result(g.id, "dx"), 1e-6, 1e-5, g.id + " dx");
  }
}

TEST(Pooling, KeepsBlockedAndChannelsLastLayoutsWithoutReorders) {
  using tag = dnnl::memory::format_tag;
  const Dims dims{3, 20, 8, 7};
  const Pool2dOptions max_opt{.kernel = 3, .stride = 2, .ceil_mode = true};
  const Pool2dOptions avg_opt{.kernel = 3, .stride = 2, .padding = 1, .ceil_mode = true};  // overhang rescale
  for (const tag layout : {tag::nChw16c, tag::nhwc})
    for (const auto& [kind, opt] : {std::pair{Kind::max, max_opt}, {Kind::avg, avg_opt}, {Kind::global, avg_opt}}) {
      Rng rng(7);
      const Var x(test_support::random_tensor(dims, rng).to_layout(dnnl::memory::desc(dims, dt::f32, layout)), true);
      const PoolCase t{kind, 3, 20, 8, 7, opt, true};
      const Window g = window(t);
      const dnnl::memory::desc y_md({3, 20, g.oh, g.ow}, dt::f32, layout);
      const Tensor dy = test_support::random_tensor(y_md.dims(), rng).to_layout(y_md);
      auto step = [&] {
        x.zero_grad();
        const Var y = pool(t, x);
        y.backward(dy);
        return y;
      };
      (void)step();
      const uint64_t reorders = reorder_count(), builds = primitive_builds();
      const Var y = step();
      const std::string what = std::string(op_name(kind)).append(layout == tag::nhwc ? " nhwc" : " nChw16c");
      EXPECT_EQ(reorder_count(), reorders) << what;
      EXPECT_EQ(primitive_builds(), builds) << what;
      EXPECT_EQ(y.data().desc(), y_md) << what;
      EXPECT_EQ(x.grad().desc(), x.data().desc()) << what;
      EXPECT_EQ(nonzeros(y.data().f32_buffer()), nonzeros(y.data().to_plain())) << what;
      EXPECT_EQ(nonzeros(x.grad().f32_buffer()), nonzeros(x.grad().to_plain())) << what;
    }
}

TEST(Pooling, BadOptionsNameTheArgument) {
  Rng rng(1);
  const Var x = test_support::random_var({1, 3, 5, 5}, rng);
  try {
    (void)max_pool2d(x, {.kernel = 3, .padding = 2});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("max_pool2d: expected padding <= kernel / 2 = 1, got 2"), std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)avg_pool2d(x, {.kernel = 7}), Error);
  EXPECT_THROW((void)avg_pool2d(x, {.kernel = 0}), Error);
  EXPECT_THROW((void)global_avg_pool(test_support::random_var({3, 5, 5}, rng)), Error);
}

}  // namespace
}  // namespace minnow
