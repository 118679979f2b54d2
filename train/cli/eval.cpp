// `minnow eval CONFIG --weights W [--set key=value]... [--json] [--save-logits FILE]`:
// evaluates a minnow export, a checkpoint or a torchvision state dict on the
// config's test split through the same validation loader the trainer uses, and
// optionally saves every logit, (N, K) in dataset order, as tensor "logits".
// --int8 evaluates the int8 model converted from a QAT run instead; --fold [--winograd] the
// float model folded for inference (models/inference_fold.h).
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/safetensors.h"
#include "train/cli/commands.h"
#include "train/eval_run.h"

namespace minnow::cli {
namespace {

struct EvalArgs {
  std::string config;
  std::string weights;
  std::vector<std::string> overrides;
  bool json = false;
  std::string save_logits;
  bool int8 = false;
  bool fold = false, winograd = false;
};

void save_logits(const std::string& path, const EvalResult& r, int64_t images, const Config& config) {
  SafeTensors file;
  file.metadata = {{"format", "minnow-logits-1"}, {"model.name", config.model.name}};
  file.tensors.emplace_back("logits", Tensor::from_plain({images, r.num_classes}, r.logits));  // (N, K)
  save_safetensors(path, file);
}

int run_eval(const EvalArgs& a) {
  if (a.json) log_to_stderr();
  const Config config = load_config(a.config, a.overrides);
  const EvalRun run = evaluate_weights(config, a.config, a.weights, "--weights",
                                       {.int8 = a.int8,
                                        .fold = a.fold,
                                        .winograd = a.winograd,
                                        .keep_logits = !a.save_logits.empty()});
  const EvalResult& r = run.result;
  if (!a.save_logits.empty()) save_logits(a.save_logits, r, run.images, config);

  if (a.json) {
    std::printf("%s\n", eval_run_json(run).dump().c_str());
    return 0;
  }
  std::printf("%s%s, %s %s, on %lld test images\n", config.model.name.c_str(),
              a.int8 ? " (int8)" : (a.fold ? " (folded)" : ""),
              weights_format_name(run.format), a.weights.c_str(), static_cast<long long>(r.count));
  std::printf("top-1 %.2f%%  top-5 %.2f%%  loss %.4f\n", r.top1, r.top5, r.loss);
  if (a.int8)
    std::printf("fake-quant model: top-1 %.2f%%; same top class on %.2f%% of the images\n", run.fake_quant.top1,
                run.agreement);
  if (a.fold)
    std::printf("unfolded model: top-1 %.2f%%; same top class on %.2f%% of the images; folded %d batch norms and "
                "%d activations, %d Winograd convs\n",
                run.unfolded.top1, run.agreement, run.fold_counts.batch_norms, run.fold_counts.activations,
                run.fold_counts.winograd_convs);
  if (!a.save_logits.empty())
    std::printf("logits (%lld, %lld) saved to %s\n", static_cast<long long>(run.images),
                static_cast<long long>(r.num_classes), a.save_logits.c_str());
  return 0;
}

}  // namespace

void add_eval_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<EvalArgs>();
  auto* cmd = app.add_subcommand("eval", "Evaluate weights on the config's test split");
  cmd->add_option("config", args->config, "YAML config file")->required();
  cmd->add_option("--weights", args->weights,
                  "minnow export, checkpoint (last/best.safetensors) or torchvision state dict (.safetensors)")
      ->required();
  cmd->add_option("--set", args->overrides, "Override a config key: --set data.batch_size=256 (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--json", args->json, "Print one JSON object: top1, top5, loss, images");
  cmd->add_option("--save-logits", args->save_logits, "Write the (N, K) logits in dataset order to this file");
  auto* int8 = cmd->add_flag("--int8", args->int8,
                             "Convert the QAT model to int8 and evaluate that; also prints the fake-quant model's "
                             "top-1 and how often the two agree");
  auto* fold = cmd->add_flag("--fold", args->fold,
                             "Evaluate the float model with its batch norms and activations folded into the convs "
                             "(as bench --fold times it); also prints the unfolded model's top-1 and how often the "
                             "two agree");
  fold->excludes(int8);
  cmd->add_flag("--winograd", args->winograd, "With --fold: 3x3 stride-1 convs as oneDNN's Winograd kernel")
      ->needs(fold);
  cmd->callback([args, &action] { action = [args] { return run_eval(*args); }; });
}

}  // namespace minnow::cli
