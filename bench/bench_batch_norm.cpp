// Batch-norm benchmark for channel counts that pruning and odd widths produce: one BN with
// fused ReLU on an nhwc input, as oneDNN's own choice for nhwc runs it (a bare primitive)
// against minnow's batch_norm, which moves inputs without a JIT kernel to nChw16c (its two
// reorders counted). Forward only: eval at batch 1, training statistics at --batch.
// usage: bench_batch_norm [--batch N] [--threads T] [--reps R]
#include <cstdio>
#include <vector>

#include "bench/op_bench.h"
#include "core/engine.h"
#include "core/grad_mode.h"
#include "core/rng.h"
#include "ops/batch_norm.h"

namespace {

using namespace minnow;
using bench::median_ms;
using dnnl::memory;
using Flags = dnnl::normalization_flags;

struct Row {
  double ms;
  std::string impl;
};

// oneDNN's own kernel for x's nhwc layout, no move.
Row bare_primitive(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean, const Tensor& var,
                   bool training, int reps) {
  const Flags flags = Flags::use_scale | Flags::use_shift | Flags::fuse_norm_relu |
                      (training ? Flags::none : Flags::use_global_stats);
  const auto prop = training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
  const dnnl::batch_normalization_forward::primitive_desc pd({prop, x.desc(), 1e-5f, flags}, cpu_engine());
  const dnnl::batch_normalization_forward bn(pd);
  const Tensor y(pd.dst_desc());
  const Tensor workspace = training ? Tensor(pd.workspace_desc()) : Tensor();
  std::unordered_map<int, memory> args{{DNNL_ARG_SRC, x.memory()},       {DNNL_ARG_DST, y.memory()},
                                       {DNNL_ARG_MEAN, mean.memory()},   {DNNL_ARG_VARIANCE, var.memory()},
                                       {DNNL_ARG_SCALE, gamma.memory()}, {DNNL_ARG_SHIFT, beta.memory()}};
  if (training) args.emplace(DNNL_ARG_WORKSPACE, workspace.memory());
  dnnl::stream stream(cpu_engine());
  return {median_ms(reps, [&] { bn.execute(stream, args), stream.wait(); }), pd.impl_info_str()};
}

// minnow's batch_norm, the output reordered back to nhwc where it moved.
Row minnow_batch_norm(const Tensor& x, const Tensor& gamma, const Tensor& beta, const Tensor& mean, const Tensor& var,
                      bool training, int reps) {
  const NoGrad no_grad;
  const BatchNormOptions options{.fuse_relu = true};
  bool moved = false;
  const double ms = median_ms(reps, [&] {
    const Tensor y = batch_norm(Var(x), Var(gamma), Var(beta), mean, var, training, options).data();
    moved = y.desc() != x.desc();
    (void)y.to_layout(x.desc());
  });
  return {ms, moved ? "moved to nChw16c" : "kept nhwc"};
}

}  // namespace

int main(int argc, char** argv) {
  const auto options = bench::parse_op_bench_options(argc, argv, "bench_batch_norm", {.batch = 128, .reps = 50});
  if (!options) return 2;
  const int64_t batch = options->batch;
  const int threads = options->threads, reps = options->reps;
  set_num_threads(threads);
  std::printf("nhwc 28x28, fused ReLU, threads %d, median of %d\n", threads, reps);
  std::printf("%-8s %5s %9s %10s  %s\n", "pass", "C", "oneDNN ms", "minnow ms", "oneDNN's kernel for nhwc / minnow");
  Rng rng(0);
  for (const bool training : {false, true})
    for (const int64_t c : {8, 11, 22, 24, 44, 89, 125, 128, 133}) {
      const Dims dims{training ? batch : 1, c, 28, 28};
      std::vector<float> values(static_cast<size_t>(product(dims)));
      rng.fill_uniform(values, -1.0f, 1.0f);
      const Tensor x = Tensor::from_plain(dims, values).to_layout(memory::desc(dims, memory::data_type::f32,
                                                                                 memory::format_tag::nhwc));
      const std::vector<float> ones(static_cast<size_t>(c), 1.0f), zeros(static_cast<size_t>(c), 0.0f);
      const Tensor gamma = Tensor::from_plain({c}, ones), beta = Tensor::from_plain({c}, zeros);
      const Tensor mean = Tensor::from_plain({c}, zeros), var = Tensor::from_plain({c}, ones);
      const Row bare = bare_primitive(x, gamma, beta, mean, var, training, reps);
      const Row ours = minnow_batch_norm(x, gamma, beta, mean.clone(), var.clone(), training, reps);
      std::printf("%-8s %5lld %9.4f %10.4f  %s / %s\n", training ? "train" : "eval b1", static_cast<long long>(c),
                  bare.ms, ours.ms, bare.impl.c_str(), ours.impl.c_str());
    }
  return 0;
}
