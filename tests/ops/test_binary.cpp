// add and mul against double-precision reference loops (forward and backward,
// equal dims and channel-wise broadcast, plain, NHWC and blocked nChw16c layouts),
// finite differences and PyTorch; plus the copies and reorders they avoid.
#include <gtest/gtest.h>

#include "core/error.h"
#include "core/reorder.h"
#include "ops/binary.h"
#include "ops/primitive_cache.h"
#include "tests/support/gradcheck.h"
#include "tests/support/padding.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

using test_support::closeness;
using tag = dnnl::memory::format_tag;

enum class Layout { plain, nhwc, blocked };

Tensor in_layout(const Tensor& plain, Layout layout) {
  if (layout == Layout::plain) return plain;
  return plain.to_layout(dnnl::memory::desc(plain.dims(), dt::f32, layout == Layout::nhwc ? tag::nhwc : tag::nChw16c));
}

struct BinaryCase {
  Dims a, b;
  Layout a_layout, b_layout;
};

const BinaryCase kCases[] = {
    {{3, 20, 7, 13}, {3, 20, 7, 13}, Layout::blocked, Layout::blocked},  // equal dims and layouts
    {{1, 24, 13, 13}, {1, 24, 13, 13}, Layout::plain, Layout::plain},
    {{3, 20, 7, 7}, {3, 20, 7, 7}, Layout::blocked, Layout::plain},      // b reordered to a's layout
    {{3, 20, 13, 7}, {3, 20, 1, 1}, Layout::blocked, Layout::blocked},   // SE scale
    {{3, 20, 7, 7}, {1, 20, 1, 1}, Layout::blocked, Layout::plain},
    {{1, 20, 7, 7}, {1, 20, 1, 1}, Layout::blocked, Layout::blocked},
    {{3, 3, 7, 13}, {3, 3, 1, 1}, Layout::plain, Layout::plain},
    {{3, 24, 7, 7}, {1, 24, 1, 1}, Layout::nhwc, Layout::plain},
    {{3, 20, 1, 1}, {1, 20, 1, 1}, Layout::blocked, Layout::blocked},    // broadcast over N alone
    {{3, 10}, {3, 10}, Layout::plain, Layout::plain},
};

const char* layout_name(Layout l) { return l == Layout::plain ? "plain" : l == Layout::nhwc ? "nhwc" : "nChw16c"; }

std::string case_name(const BinaryCase& c) {
  std::string name;
  for (const Dims* dims : {&c.a, &c.b}) {
    if (!name.empty()) name.append("_");
    for (auto d : *dims) name.append(std::to_string(d)).append("x");
    name.pop_back();
    name.append("_").append(layout_name(dims == &c.a ? c.a_layout : c.b_layout));
  }
  return name;
}

void PrintTo(const BinaryCase& c, std::ostream* out) { *out << case_name(c); }

// Index into b (plain) of the element of b that a's plain element i meets.
size_t broadcast_index(const Dims& a, const Dims& b, size_t i) {
  size_t index = 0, stride = 1, rest = i;
  for (size_t d = a.size(); d-- > 0;) {
    const auto ad = static_cast<size_t>(a[d]);
    if (b[d] == a[d]) index += rest % ad * stride;
    stride *= static_cast<size_t>(b[d]);
    rest /= ad;
  }
  return index;
}

using Op = Var (*)(const Var&, const Var&);

class BinaryTest : public ::testing::TestWithParam<std::tuple<bool, BinaryCase>> {};

TEST_P(BinaryTest, MatchesReferenceForwardAndBackward) {
  const auto& [is_mul, c] = GetParam();
  Rng rng(17);
  const Tensor at = test_support::random_tensor(c.a, rng), bt = test_support::random_tensor(c.b, rng);
  const Tensor dyt = test_support::random_tensor(c.a, rng);
  const Var a(in_layout(at, c.a_layout), true), b(in_layout(bt, c.b_layout), true);
  const Var y = is_mul ? mul(a, b) : add(a, b);
  EXPECT_EQ(y.data().desc(), a.data().desc()) << "output leaves a's layout";
  EXPECT_TRUE(test_support::padding_is_zero(y.data()));
  y.backward(dyt.to_layout(y.data().desc()));
  EXPECT_EQ(a.grad().desc(), a.data().desc());
  EXPECT_EQ(b.grad().desc(), b.data().desc());
  EXPECT_TRUE(test_support::padding_is_zero(a.grad()));
  EXPECT_TRUE(test_support::padding_is_zero(b.grad()));

  // y = a (op) b[bi]; da = dy or dy b[bi]; db[bi] += dy or dy a.
  const auto av = at.to_plain(), bv = bt.to_plain(), dyv = dyt.to_plain();
  std::vector<double> y_ref(av.size()), da_ref(av.size()), db_ref(bv.size(), 0.0);
  for (size_t i = 0; i < av.size(); ++i) {
    const size_t j = broadcast_index(c.a, c.b, i);
    y_ref[i] = is_mul ? static_cast<double>(av[i]) * bv[j] : static_cast<double>(av[i]) + bv[j];
    da_ref[i] = is_mul ? static_cast<double>(dyv[i]) * bv[j] : dyv[i];
    db_ref[j] += is_mul ? static_cast<double>(dyv[i]) * av[i] : dyv[i];
  }
  EXPECT_LE(closeness(y.data().to_plain(), y_ref, 1e-6, 1e-5), 1.0);
  EXPECT_LE(closeness(a.grad().to_plain(), da_ref, 1e-6, 1e-5), 1.0);
  EXPECT_LE(closeness(b.grad().to_plain(), db_ref, 1e-5, 1e-5), 1.0);
}

TEST_P(BinaryTest, MatchesFiniteDifferences) {
  const auto& [is_mul, c] = GetParam();
  Rng rng(23);
  const Op op = is_mul ? mul : add;
  test_support::expect_gradcheck([&](const std::vector<Var>& v) { return op(v[0], v[1]); },
                                 {test_support::random_tensor(c.a, rng), test_support::random_tensor(c.b, rng)});
}

INSTANTIATE_TEST_SUITE_P(Cases, BinaryTest, ::testing::Combine(::testing::Bool(), ::testing::ValuesIn(kCases)),
                         [](const auto& param_info) {
                           const std::string op = std::get<0>(param_info.param) ? "mul_" : "add_";
                           return op + case_name(std::get<1>(param_info.param));
                         });

TEST(Binary, MatchesPyTorch) {
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, da, db;
  };
  std::vector<Got> got;
  for (const bool is_mul : {false, true}) {
    for (const auto& c : kCases) {
      Rng rng(300 + got.size());
      const Tensor at = test_support::random_tensor(c.a, rng), bt = test_support::random_tensor(c.b, rng);
      const Tensor dy = test_support::random_tensor(c.a, rng);
      const Var a(in_layout(at, c.a_layout), true), b(in_layout(bt, c.b_layout), true);
      const Var y = is_mul ? mul(a, b) : add(a, b);
      y.backward(dy.to_layout(y.data().desc()));
      const std::string op = is_mul ? "mul" : "add", id = op + "_" + case_name(c);
      torch.add(id, op, "{}", {{"a", at}, {"b", bt}, {"dy", dy}});
      got.push_back({id, y.data().to_plain(), a.grad().to_plain(), b.grad().to_plain()});
    }
  }
  torch.run();
  for (const auto& g : got) {
    test_support::expect_matches_torch(g.y, torch.result(g.id, "y"), 1e-6, 1e-5, g.id + " y");
    test_support::expect_matches_torch(g.da, torch.result(g.id, "da"), 1e-6, 1e-5, g.id + " da");
    test_support::expect_matches_torch(g.db, torch.result(g.id, "db"), 1e-5, 1e-5, g.id + " db");
  }
}

TEST(Binary, AddOfEqualLayoutsCopiesNothing) {
  Rng rng(5);
  const Dims dims{3, 20, 7, 7};
  const Var a(in_layout(test_support::random_tensor(dims, rng), Layout::blocked), true);
  const Var b(in_layout(test_support::random_tensor(dims, rng), Layout::blocked), true);
  const Tensor dy = in_layout(test_support::random_tensor(dims, rng), Layout::blocked);
  const uint64_t reorders = reorder_count();
  add(a, b).backward(dy);
  EXPECT_EQ(reorder_count(), reorders);
  EXPECT_EQ(a.grad().raw(), dy.raw());  // da = db = dy, shared
  EXPECT_EQ(b.grad().raw(), dy.raw());
}

TEST(Binary, ChannelScaleInTheActivationLayoutIsNeverReordered) {
  Rng rng(6);
  const Var a(in_layout(test_support::random_tensor({3, 20, 7, 7}, rng), Layout::blocked), true);
  const Tensor dy = in_layout(test_support::random_tensor({3, 20, 7, 7}, rng), Layout::blocked);
  for (const Dims& b_dims : {Dims{3, 20, 1, 1}, Dims{1, 20, 1, 1}}) {
    const Var b(in_layout(test_support::random_tensor(b_dims, rng), Layout::blocked), true);
    for (const Op op : {add, mul}) {
      uint64_t builds = 0, reorders = 0;
      for (int step = 0; step < 2; ++step) {
        builds = primitive_builds();
        reorders = reorder_count();
        op(a, b).backward(dy);
      }
      EXPECT_EQ(reorder_count(), reorders) << dims_str(b_dims);
      EXPECT_EQ(primitive_builds(), builds) << dims_str(b_dims);
    }
  }
}

TEST(Binary, BadShapesNameTheOperands) {
  Rng rng(8);
  const Var a = test_support::random_var({3, 20, 7, 7}, rng);
  try {
    (void)mul(a, test_support::random_var({3, 20, 7, 1}, rng));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("mul: expected b of dims [3, 20, 7, 7], [3, 20, 1, 1] or [1, 20, 1, 1] "
                                         "for a of dims [3, 20, 7, 7], got [3, 20, 7, 1]"),
              std::string::npos)
        << e.what();
  }
  EXPECT_THROW((void)add(a, test_support::random_var({3, 16, 1, 1}, rng)), Error);
  EXPECT_THROW((void)add(test_support::random_var({3, 10}, rng), test_support::random_var({1, 10}, rng)), Error);
}

}  // namespace
}  // namespace minnow
