// The data-parallel bench: the same step as bench.cpp's (forward, cross-entropy, backward,
// SGD momentum), with the gradient sums in backward. "hidden" compares the wait of the
// overlapped run with that of the run that sums only after backward, where the wait is the
// whole time of the sums plus any lag of the slower rank: 1 - wait(overlap) / wait(after
// backward). The sums alone (one blocking allreduce of every gradient, no compute) separate
// the transfer from the lag.
#include "train/cli/bench_parallel.h"

#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "core/rng.h"
#include "core/tape.h"
#include "dist/world.h"
#include "ops/losses.h"
#include "train/distributed/grad_reducer.h"
#include "train/distributed/replica_state.h"
#include "train/sgd.h"

namespace minnow::cli {
namespace {

constexpr int kWarmupSteps = 2;

struct PhaseTimes {
  double step_ms = 0, wait_ms = 0, pack_ms = 0;  // medians over the timed steps
};

}  // namespace

int run_parallel_bench(const ParallelBenchArgs& args) {
  const InferenceBenchArgs& a = args.base;
  const dist::World& world = dist::World::get();
  set_num_threads(a.threads);
  auto model = create_model(a.spec);
  model->train();
  broadcast_model(world, *model);
  NamedParams params;
  for (const auto& p : model->named_parameters()) params.emplace_back(p.name, p.var);
  Sgd sgd(params, {.momentum = 0.9, .weight_decay = 4e-5});

  // each rank its own batch
  Rng rng(static_cast<uint64_t>(world.rank()));
  const Var x(random_images(a, rng));  // (N, C, R, R)
  const std::vector<int32_t> labels = random_labels(a, rng);

  auto phase = [&](bool overlap) {
    GradReducer reducer(world, sgd.params(), {.bucket_mb = args.bucket_mb, .overlap = overlap});
    std::vector<double> step_ms, wait_ms, pack_ms;
    for (int i = 0; i < kWarmupSteps + a.steps; ++i) {
      world.barrier();  // every rank starts the step together
      const auto t0 = std::chrono::steady_clock::now();
      sgd.zero_grad();
      const Var loss = cross_entropy(model->forward(x), labels);
      reducer.begin();
      {
        ListenToBackward listen(reducer);
        loss.backward();
      }
      reducer.finish();
      sgd.step(0.01);
      const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      if (i < kWarmupSteps) continue;
      step_ms.push_back(ms);
      wait_ms.push_back(reducer.times().wait * 1e3);
      pack_ms.push_back(reducer.times().pack * 1e3);
    }
    // The slowest rank's medians: a step lasts until its last rank is done.
    double medians[3] = {median(step_ms), median(wait_ms), median(pack_ms)};
    world.max(std::span<double>(medians));
    return PhaseTimes{medians[0], medians[1], medians[2]};
  };
  const PhaseTimes overlapped = phase(true);
  const PhaseTimes after = phase(false);
  // The sums alone: every gradient value in one blocking MPI_Allreduce, the ranks starting together.
  std::vector<float> gradients(static_cast<size_t>(model->num_parameters()));
  std::vector<double> alone_ms;
  for (int i = 0; i < kWarmupSteps + a.steps; ++i) {
    world.barrier();
    const auto t0 = std::chrono::steady_clock::now();
    world.sum(std::span<float>(gradients));
    if (i >= kWarmupSteps)
      alone_ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  double sum_alone[1] = {median(alone_ms)};
  world.max(std::span<double>(sum_alone));
  const double images_per_second = static_cast<double>(a.batch) * world.size() * 1000.0 / overlapped.step_ms;
  const double hidden = after.wait_ms > 0 ? 1.0 - overlapped.wait_ms / after.wait_ms : 0.0;
  const double buckets = static_cast<double>(GradReducer(world, sgd.params(), {.bucket_mb = args.bucket_mb}).bucket_count());
  double rss[1] = {peak_rss_mib()};
  world.max(std::span<double>(rss));
  if (!world.is_root()) return 0;

  if (a.json) {
    const nlohmann::json out = {{"model", a.spec.name},
                                {"width", a.spec.width},
                                {"resolution", a.resolution},
                                {"batch_per_rank", a.batch},
                                {"ranks", world.size()},
                                {"threads_per_rank", a.threads},
                                {"steps", a.steps},
                                {"gradient_mb", static_cast<double>(model->num_parameters()) * 4 / (1024 * 1024)},
                                {"buckets", buckets},
                                {"images_per_second", images_per_second},
                                {"ms_per_step", overlapped.step_ms},
                                {"wait_ms", overlapped.wait_ms},
                                {"wait_percent", 100.0 * overlapped.wait_ms / overlapped.step_ms},
                                {"pack_ms", overlapped.pack_ms},
                                {"ms_per_step_sum_after_backward", after.step_ms},
                                {"wait_ms_sum_after_backward", after.wait_ms},
                                {"hidden_percent", 100.0 * hidden},
                                {"sum_alone_ms", sum_alone[0]},
                                {"peak_rss_mib", rss[0]}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%s width %.3g at %lld px: %d rank(s) x batch %lld, %d thread(s) each, %.0f gradient bucket(s)\n",
              a.spec.name.c_str(), static_cast<double>(a.spec.width), static_cast<long long>(a.resolution),
              world.size(), static_cast<long long>(a.batch), a.threads, buckets);
  std::printf("images/s:        %.1f over all ranks (median step %.2f ms)\n", images_per_second, overlapped.step_ms);
  std::printf("waiting for sums: %.2f ms per step (%.1f%%); copying gradients %.2f ms\n", overlapped.wait_ms,
              100.0 * overlapped.wait_ms / overlapped.step_ms, overlapped.pack_ms);
  std::printf("sums after backward: %.2f ms per step, of which %.2f ms waiting; overlap hid %.0f%% of it\n",
              after.step_ms, after.wait_ms, 100.0 * hidden);
  std::printf("the sums alone:  %.2f ms (every gradient in one blocking allreduce)\n", sum_alone[0]);
  std::printf("peak RSS:        %.1f MiB (largest rank)\n", rss[0]);
  return 0;
}

}  // namespace minnow::cli
