// Mixed precision (core/compute_type.h): every op that runs in bf16 inside a bf16 ComputeScope
// against the same op in f32, forward and backward, within bf16's tolerance. bf16 keeps
// 8 bits of mantissa (relative rounding 2^-9); the ops accumulate in f32, so outputs and
// gradients stay within a few per cent of the largest f32 value. Types are checked too:
// activations and their gradients bf16, weight gradients and BN's statistics f32.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "core/compute_type.h"
#include "core/error.h"
#include "ops/batch_norm.h"
#include "ops/binary.h"
#include "ops/channel_shuffle.h"
#include "ops/concat.h"
#include "ops/conv2d.h"
#include "ops/eltwise.h"
#include "ops/linear.h"
#include "ops/losses.h"
#include "ops/pooling.h"
#include "tests/support/random.h"

namespace minnow {
namespace {

// max |got - want| / max |want|.
double relative_error(const std::vector<float>& got, const std::vector<float>& want) {
  double diff = 0, scale = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    diff = std::max(diff, std::abs(static_cast<double>(got[i]) - want[i]));
    scale = std::max(scale, std::abs(static_cast<double>(want[i])));
  }
  return scale > 0 ? diff / scale : diff;
}

struct Bf16Case {
  std::string name;
  std::vector<Dims> inputs;        // inputs[0] is the activation; the rest are f32 parameters
  std::function<Var(const std::vector<Var>&)> op;
  DType out = DType::bf16;         // the output's type in the bf16 scope
  double tolerance = 0.02;
};

std::ostream& operator<<(std::ostream& out, const Bf16Case& c) { return out << c.name; }

struct Outcome {
  Tensor y;
  std::vector<Tensor> grads;
};

// The op on the inputs, forward and backward with dy; in bf16 the activation enters as bf16,
// as the layer before it would give it.
Outcome run(const Bf16Case& c, const std::vector<Tensor>& inputs, const Tensor& dy, bool bf16) {
  std::vector<Var> vars;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const bool activation = i == 0;
    vars.emplace_back(bf16 && activation ? inputs[i].to_layout(plain_desc(inputs[i].dims(), DType::bf16)) : inputs[i],
                      true);
  }
  Outcome r;
  {
    const ComputeScope scope(bf16 ? DType::bf16 : DType::f32);
    const Var y = c.op(vars);
    r.y = y.data();
    y.backward(dy.to_layout(plain_desc(dy.dims(), y.data().dtype())));
  }
  for (const Var& v : vars) r.grads.push_back(v.grad());
  return r;
}

class Bf16Op : public ::testing::TestWithParam<Bf16Case> {};

TEST_P(Bf16Op, MatchesF32WithinBf16Tolerance) {
  const Bf16Case& c = GetParam();
  Rng rng(3);
  // The activation holds bf16 values in both runs, so that only the ops' arithmetic differs
  // (a max pool's argmax among rounded near-ties would differ otherwise).
  std::vector<Tensor> inputs;
  for (const Dims& d : c.inputs) inputs.push_back(test_support::random_tensor(d, rng));
  inputs[0] = as_f32(inputs[0].to_layout(plain_desc(inputs[0].dims(), DType::bf16)));
  std::vector<Var> probe;  // for the output's dims
  for (const Tensor& t : inputs) probe.emplace_back(t);
  const Tensor dy = test_support::random_tensor(c.op(probe).dims(), rng);
  const Outcome f32 = run(c, inputs, dy, false), bf16 = run(c, inputs, dy, true);
  EXPECT_EQ(bf16.y.dtype(), c.out) << c.name << ": the op did not run in the expected type";
  EXPECT_LE(relative_error(bf16.y.to_plain(), f32.y.to_plain()), c.tolerance) << c.name << " y";
  for (size_t i = 0; i < inputs.size(); ++i) {
    ASSERT_TRUE(bf16.grads[i].defined()) << c.name << " input " << i;
    EXPECT_EQ(bf16.grads[i].dtype(), i == 0 ? DType::bf16 : DType::f32) << c.name << " input " << i << "'s gradient";
    EXPECT_LE(relative_error(bf16.grads[i].to_plain(), f32.grads[i].to_plain()), c.tolerance)
        << c.name << " input " << i << "'s gradient";
  }
}

Var conv(const std::vector<Var>& v, const Conv2dOptions& o) { return conv2d(v[0], v[1], Var(), o); }

Var bn(const std::vector<Var>& v, bool relu) {
  const int64_t c = v[0].dims()[1];
  return batch_norm(v[0], v[1], v[2], Tensor::zeros({c}), Tensor::full({c}, 1.0f), true, {.fuse_relu = relu});
}

const Bf16Case kCases[] = {
    {"conv3x3", {{4, 16, 12, 12}, {32, 16, 3, 3}}, [](const auto& v) { return conv(v, {.padding = 1}); }},
    {"conv3x3_stride2_bias", {{4, 3, 16, 16}, {16, 3, 3, 3}, {16}},
     [](const auto& v) { return conv2d(v[0], v[1], v[2], {.stride = 2, .padding = 1}); }},
    {"depthwise3x3_stride2", {{4, 32, 12, 12}, {32, 1, 3, 3}},
     [](const auto& v) { return conv(v, {.stride = 2, .padding = 1, .groups = 32}); }},
    {"pointwise", {{4, 48, 8, 8}, {64, 48, 1, 1}}, [](const auto& v) { return conv(v, {}); }},
    {"grouped_pointwise", {{4, 48, 8, 8}, {48, 16, 1, 1}}, [](const auto& v) { return conv(v, {.groups = 3}); }},
    // ShuffleNet v1's 20 channels per group: per-group bf16 matmuls (ops/grouped_pointwise_conv.h).
    {"grouped_pointwise_20_per_group", {{4, 60, 5, 5}, {48, 20, 1, 1}},
     [](const auto& v) { return conv(v, {.groups = 3}); }},
    {"batch_norm", {{8, 24, 6, 6}, {24}, {24}}, [](const auto& v) { return bn(v, false); }},
    {"batch_norm_relu", {{8, 32, 6, 6}, {32}, {32}}, [](const auto& v) { return bn(v, true); }},
    {"relu6", {{4, 20, 7, 7}}, [](const auto& v) { return relu6(v[0]); }},
    {"hardswish", {{4, 16, 7, 7}}, [](const auto& v) { return hardswish(v[0]); }},
    {"max_pool", {{4, 16, 9, 9}}, [](const auto& v) { return max_pool2d(v[0], {.kernel = 3, .stride = 2, .padding = 1}); }},
    {"avg_pool", {{4, 16, 8, 8}}, [](const auto& v) { return avg_pool2d(v[0], {.kernel = 3, .stride = 2, .padding = 1}); }},
    {"global_avg_pool", {{4, 32, 7, 7}}, [](const auto& v) { return global_avg_pool(v[0]); }},
    {"add", {{4, 16, 6, 6}}, [](const auto& v) { return add(v[0], relu(v[0])); }},
    {"channel_gate", {{4, 16, 6, 6}}, [](const auto& v) { return mul(v[0], global_avg_pool(v[0])); }},
    {"concat", {{4, 16, 6, 6}}, [](const auto& v) { return concat({v[0], relu6(v[0])}, 1); }},
    {"channel_shuffle", {{4, 24, 6, 6}}, [](const auto& v) { return channel_shuffle(v[0], 3); }},
    // The classifier and the loss stay f32; their bf16 input's gradient goes back as bf16.
    {"linear", {{8, 64}, {10, 64}, {10}}, [](const auto& v) { return linear(v[0], v[1], v[2]); }, DType::f32},
    {"cross_entropy", {{8, 10}},
     [](const auto& v) { return cross_entropy(v[0], {0, 1, 2, 3, 4, 5, 6, 7}); }, DType::f32},
};

INSTANTIATE_TEST_SUITE_P(Ops, Bf16Op, ::testing::ValuesIn(kCases),
                         [](const auto& param_info) { return param_info.param.name; });

// oneDNN 2.6's bf16 shuffle writes past its output in aBcd8b and aBcd4b (ops/channel_shuffle.cpp
// moves such inputs to nChw16c): in every layout the bf16 shuffle is the f32 one, exactly (a
// permutation of values that bf16 holds exactly), forward and backward.
TEST(Bf16, ChannelShuffleIsExactInEveryLayout) {
  using tag = dnnl::memory::format_tag;
  Rng rng(9);
  const Dims dims{4, 120, 8, 8};
  const Tensor values = as_f32(test_support::random_tensor(dims, rng).to_layout(plain_desc(dims, DType::bf16)));
  const Tensor dy = as_f32(test_support::random_tensor(dims, rng).to_layout(plain_desc(dims, DType::bf16)));
  const Var x32(values, true);
  const Var y32 = channel_shuffle(x32, 3);
  y32.backward(dy);
  for (const tag layout : {tag::aBcd8b, tag::aBcd4b, tag::aBcd16b, tag::nhwc, tag::nchw}) {
    const Var x(values.to_layout(dnnl::memory::desc(dims, dt::bf16, layout)), true);
    const Var y = channel_shuffle(x, 3);
    y.backward(dy.to_layout(plain_desc(dims, DType::bf16)));
    EXPECT_EQ(y.data().to_plain(), y32.data().to_plain()) << static_cast<int>(layout);
    EXPECT_EQ(x.grad().desc(), x.data().desc()) << static_cast<int>(layout);
    EXPECT_EQ(x.grad().to_plain(), x32.grad().to_plain()) << static_cast<int>(layout);
  }
}

// On a CPU with bf16 instructions the convolutions run native bf16 kernels ("..._bf16" on
// AVX512-BF16, "..._amx" on AMX), not emulation or a reference loop.
TEST(Bf16, ConvolutionsRunNativeKernels) {
  if (!cpu_has_native_bf16()) GTEST_SKIP() << "this CPU (" << cpu_isa_name() << ") has no bf16 instructions";
  const ComputeScope scope(DType::bf16);
  const Tensor x = Tensor::zeros({32, 64, 28, 28}, DType::bf16);
  for (const Dims& w : {Dims{128, 64, 1, 1}, Dims{64, 1, 3, 3}}) {
    const auto impl = conv2d_impl(x, w, false, {.padding = w[2] / 2, .groups = w[1] == 1 ? 64 : 1});
    for (const std::string& name : {impl.forward, impl.backward_data, impl.backward_weights}) {
      const bool native = name.find("bf16") != std::string::npos || name.find("amx") != std::string::npos;
      EXPECT_TRUE(native) << dims_str(w) << ": " << name;
      EXPECT_EQ(name.find("ref"), std::string::npos) << dims_str(w) << ": " << name;
    }
  }
}

}  // namespace
}  // namespace minnow
