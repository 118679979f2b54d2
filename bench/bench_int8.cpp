// Int8 benchmark: forward time of MobileNet-v1 (224 px) convolutions in f32 (conv2d,
// inference mode) against Int8Conv (u8 in, u8 out, bias + ReLU fused), each fed its
// input in the layout its kernel runs on, with Int8Conv's oneDNN implementation (the f32
// side runs oneDNN's inference convolution; ONEDNN_VERBOSE=1 names its kernels).
// usage: bench_int8 [--batch N] [--threads T] [--reps R]
#include <cstdio>
#include <vector>

#include "bench/op_bench.h"
#include "core/engine.h"
#include "core/grad_mode.h"
#include "core/rng.h"
#include "ops/conv2d.h"
#include "ops/int8/conv.h"

namespace {

using namespace minnow;
using bench::median_ms;

struct Layer {
  const char* name;
  int64_t c, o, hw, k, stride, groups;
};

std::vector<float> uniform(int64_t n, float lo, float hi, Rng& rng) {
  std::vector<float> v(static_cast<size_t>(n));
  rng.fill_uniform(v, lo, hi);
  return v;
}

Int8ConvOptions int8_options(const Layer& l, int64_t batch, Rng& rng) {
  Int8ConvOptions o;
  o.in_channels = l.c, o.out_channels = l.o, o.kernel = l.k, o.stride = l.stride, o.padding = l.k / 2;
  o.groups = l.groups, o.batch = batch, o.height = l.hw, o.width = l.hw;
  const Dims w_dims{l.o, l.c / l.groups, l.k, l.k};
  o.weights = Tensor::from_plain(w_dims, uniform(product(w_dims), -127.f, 127.f, rng), DType::s8);
  o.w_scales = uniform(l.o, 0.001f, 0.002f, rng);
  o.bias = uniform(l.o, -0.5f, 0.5f, rng);
  o.in_type = DType::u8, o.in_scale = 0.02f, o.out_type = DType::u8, o.out_scale = 0.03f;
  o.post_op = Int8PostOp::relu;
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = bench::parse_op_bench_options(argc, argv, "bench_int8", {.batch = 32, .reps = 11});
  if (!options) return 2;
  const int64_t batch = options->batch;
  const int threads = options->threads, reps = options->reps;
  set_num_threads(threads);
  const NoGrad no_grad;
  const std::vector<Layer> layers = {
      {"stem 3x3 s2", 3, 32, 224, 3, 2, 1},       {"dw 3x3 s1", 32, 32, 112, 3, 1, 32},
      {"pw 1x1", 32, 64, 112, 1, 1, 1},           {"dw 3x3 s2", 64, 64, 112, 3, 2, 64},
      {"pw 1x1", 64, 128, 56, 1, 1, 1},           {"dw 3x3 s1", 128, 128, 56, 3, 1, 128},
      {"pw 1x1", 128, 128, 56, 1, 1, 1},          {"dw 3x3 s1", 256, 256, 28, 3, 1, 256},
      {"pw 1x1", 256, 256, 28, 1, 1, 1},          {"dw 3x3 s1", 512, 512, 14, 3, 1, 512},
      {"pw 1x1", 512, 512, 14, 1, 1, 1},          {"pw 1x1", 1024, 1024, 7, 1, 1, 1},
  };
  std::printf("batch %lld, threads %d, median of %d\n", static_cast<long long>(batch), threads, reps);
  std::printf("%-12s %-16s %9s %9s %8s  %s\n", "layer", "shape", "f32 ms", "int8 ms", "speedup", "int8 implementation");
  Rng rng(0);
  double f32_total = 0, int8_total = 0;
  for (const auto& l : layers) {
    const Dims x_dims{batch, l.c, l.hw, l.hw};
    const Conv2dOptions opt{.stride = l.stride, .padding = l.k / 2, .groups = l.groups};
    const Dims w_dims{l.o, l.c / l.groups, l.k, l.k};
    const Conv2dImpl f32_impl = conv2d_impl(Tensor(plain_desc(x_dims)), w_dims, false, opt);
    const Var x_f32(Tensor::from_plain(x_dims, uniform(product(x_dims), 0.f, 1.f, rng)).to_layout(f32_impl.src));
    const Var w_f32(Tensor::from_plain(w_dims, uniform(product(w_dims), -0.1f, 0.1f, rng)));
    const double f32_ms = median_ms(reps, [&] { conv2d(x_f32, w_f32, Var(), opt); });

    const Int8Conv conv(int8_options(l, batch, rng));
    const QTensor x_q{Tensor::from_plain(x_dims, uniform(product(x_dims), 0.f, 255.f, rng), DType::u8)
                          .to_layout(conv.input_desc(x_dims)),
                      0.02f};
    const double int8_ms = median_ms(reps, [&] { conv.forward(x_q); });

    f32_total += f32_ms;
    int8_total += int8_ms;
    char shape[64];
    std::snprintf(shape, sizeof shape, "%lldx%lldx%lld->%lld", static_cast<long long>(l.c),
                  static_cast<long long>(l.hw), static_cast<long long>(l.hw), static_cast<long long>(l.o));
    std::printf("%-12s %-16s %9.2f %9.2f %7.2fx  %s\n", l.name, shape, f32_ms, int8_ms, f32_ms / int8_ms,
                conv.impl(x_dims).c_str());
  }
  std::printf("%-12s %-16s %9.2f %9.2f %7.2fx\n", "total", "", f32_total, int8_total, f32_total / int8_total);
  return 0;
}
