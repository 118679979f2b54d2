// `minnow bench --model M --resolution R --batch B --threads T --steps N [--json]`:
// times full training steps (forward, cross-entropy, backward, SGD momentum step)
// of a zoo model on random data after two warm-up steps, and reports the median
// images/s and ms per step, the peak RSS, the most tensor storage alive at once, and the
// share of each step spent inside oneDNN primitives (core/primitive_timer.h). --qat times the fake-quantized training form
// (train/qat/prepare_qat.h, the config's default qat section); --eval times f32 inference instead and --int8
// f32 against int8 inference (bench_int8.h);
// under mpirun it times data-parallel steps over the ranks (bench_parallel.h).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/allocator.h"
#include "core/compute_type.h"
#include "core/engine.h"
#include "core/error.h"
#include "core/primitive_timer.h"
#include "core/rng.h"
#include "dist/world.h"
#include "models/zoo.h"
#include "ops/losses.h"
#include "train/cli/bench_int8.h"
#include "train/cli/bench_parallel.h"
#include "train/cli/commands.h"
#include "train/cli/model_options.h"
#include "train/qat/prepare_qat.h"
#include "train/sgd.h"

namespace minnow::cli {
namespace {

constexpr int kWarmupSteps = 2;

struct BenchArgs : InferenceBenchArgs {
  bool eval = false;
  bool int8 = false;
  bool qat = false;
  std::string precision = "f32";  // f32 | bf16 (training steps)
  double bucket_mb = 25.0;
};

struct StepTime {
  double ms = 0;
  double primitive_ms = 0;
};

int run_bench(const BenchArgs& a) {
  MINNOW_CHECK(!a.fold || a.eval || a.int8,
               "--fold: expected --eval or --int8 with it (it folds the inference model), got a training-step bench");
  if (a.eval || a.int8) return run_inference_bench(a, a.int8);
  if (dist::launched_by_mpi()) {
    try {
      const int code = run_parallel_bench({.base = a, .bucket_mb = a.bucket_mb});
      dist::World::finalize();
      return code;
    } catch (const std::exception& e) {  // one rank's error: end every rank, none waits in a sum
      std::fprintf(stderr, "minnow: error: rank %d: %s\n", dist::World::get().rank(), e.what());
      dist::World::get().abort(1);
    }
  }
  set_num_threads(a.threads);
  const DType compute = a.precision == "bf16" ? DType::bf16 : DType::f32;
  MINNOW_CHECK(compute == DType::f32 || cpu_has_native_bf16(), "bench: --precision bf16 needs a CPU with "
               "AVX512-BF16 or AMX; oneDNN finds ", cpu_isa_name());
  auto model = create_model(a.spec);
  if (a.qat) prepare_qat(*model, QatConfig{.enabled = true});
  model->train();
  NamedParams params;
  for (const auto& p : model->named_parameters()) params.emplace_back(p.name, p.var);
  Sgd sgd(params, {.momentum = 0.9, .weight_decay = 4e-5});

  Rng rng(0);
  const Var x(random_images(a, rng));  // (N, C, R, R)
  const std::vector<int32_t> labels = random_labels(a, rng);

  auto step = [&] {
    const ComputeScope scope(compute);
    sgd.zero_grad();
    const Var loss = cross_entropy(model->forward(x), labels);
    loss.backward();
    sgd.step(0.01);
  };
  for (int i = 0; i < kWarmupSteps; ++i) step();
  reset_peak_storage();
  set_primitive_timing(true);
  std::vector<StepTime> times;
  for (int i = 0; i < a.steps; ++i) {
    reset_primitive_nanoseconds();
    const auto t0 = std::chrono::steady_clock::now();
    step();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    times.push_back({ms, static_cast<double>(primitive_nanoseconds()) / 1e6});
  }
  set_primitive_timing(false);

  double total_ms = 0, primitive_ms = 0;
  for (const auto& t : times) {
    total_ms += t.ms;
    primitive_ms += t.primitive_ms;
  }
  std::sort(times.begin(), times.end(), [](const StepTime& l, const StepTime& r) { return l.ms < r.ms; });
  std::vector<double> ms;
  for (const auto& t : times) ms.push_back(t.ms);
  const double median_ms = median(ms);
  const double images_per_second = static_cast<double>(a.batch) * 1000.0 / median_ms;
  const double onednn_percent = 100.0 * primitive_ms / total_ms;
  const double rss = peak_rss_mib();
  const double tensor_mib = static_cast<double>(peak_live_storage_bytes()) / (1 << 20);

  if (a.json) {
    const nlohmann::json out = {{"model", a.spec.name},
                                {"width", a.spec.width},
                                {"qat", a.qat},
                                {"precision", a.precision},
                                {"resolution", a.resolution},
                                {"batch", a.batch},
                                {"threads", a.threads},
                                {"steps", a.steps},
                                {"params", model->num_parameters()},
                                {"images_per_second", images_per_second},
                                {"ms_per_step", median_ms},
                                {"ms_per_step_min", times.front().ms},
                                {"ms_per_step_max", times.back().ms},
                                {"peak_rss_mib", rss},
                                {"peak_tensor_mib", tensor_mib},
                                {"onednn_percent", onednn_percent}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%s width %.3g at %lld px, batch %lld, %d thread(s), %.2f M parameters\n", a.spec.name.c_str(),
              static_cast<double>(a.spec.width), static_cast<long long>(a.resolution), static_cast<long long>(a.batch),
              a.threads, static_cast<double>(model->num_parameters()) / 1e6);
  std::printf("%d timed %s%s training steps after %d warm-up (forward, cross-entropy, backward, SGD momentum)\n",
              a.steps, a.precision.c_str(), a.qat ? " QAT" : "", kWarmupSteps);
  std::printf("images/s:      %.1f (median step)\n", images_per_second);
  std::printf("ms per step:   %.2f median (min %.2f, max %.2f)\n", median_ms, times.front().ms, times.back().ms);
  std::printf("peak RSS:      %.1f MiB (tensors alive at once during a timed step: %.1f MiB)\n", rss, tensor_mib);
  std::printf("oneDNN share:  %.1f%% of step time inside oneDNN primitives\n", onednn_percent);
  return 0;
}

}  // namespace

void add_bench_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<BenchArgs>();
  args->spec.num_classes = 10;
  auto* cmd = app.add_subcommand(
      "bench", "Training-step throughput, or inference latency (--eval, --int8), of a zoo model on random data");
  add_model_options(*cmd, args->spec, args->resolution);
  cmd->add_option("--batch", args->batch, "Batch size")->capture_default_str()->check(CLI::Range(1, 65536));
  cmd->add_option("--threads", args->threads, "Threads")->capture_default_str()->check(CLI::Range(1, 1024));
  cmd->add_option("--steps", args->steps,
                  "Timed steps, or inference batches (after 2 warm-up ones); the median is reported")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  auto* eval = cmd->add_flag("--eval", args->eval, "Time inference instead: f32 eval-mode forwards, no gradients");
  auto* int8 = cmd->add_flag("--int8", args->int8,
                             "Time inference instead: f32 against the int8 model converted after QAT preparation "
                             "(every family but densenet121 and xception, which stop with one line)");
  auto* qat =
      cmd->add_flag("--qat", args->qat, "Time QAT training steps: the model prepared by the default qat section");
  auto* precision = cmd->add_option("--precision", args->precision,
                                    "Training steps in f32, or bf16 mixed precision (the config's precision key)")
                        ->capture_default_str()
                        ->check(CLI::IsMember({"f32", "bf16"}));
  auto* fold = cmd->add_flag("--fold", args->fold,
                             "With --eval or --int8: time the f32 model with each batch norm after a conv (and the "
                             "activation after it) folded into the conv primitive, as deployment runtimes run it");
  fold->excludes(qat)->excludes(precision);
  cmd->add_flag("--winograd", args->winograd,
                "With --fold: also run each 3x3 stride-1 conv without groups as oneDNN's Winograd kernel where the "
                "CPU has one (within about 1e-6 of the output's range from the direct conv)")
      ->needs(fold);
  eval->excludes(int8)->excludes(qat)->excludes(precision);
  int8->excludes(qat)->excludes(precision);
  qat->excludes(precision);
  cmd->add_option("--bucket-mb", args->bucket_mb, "Under mpirun: gradient bucket size in MB")
      ->capture_default_str()
      ->check(CLI::Range(0.001, 1024.0));
  cmd->add_flag("--json", args->json, "Print one JSON object");
  cmd->callback([args, &action] { action = [args] { return run_bench(*args); }; });
}

}  // namespace minnow::cli
