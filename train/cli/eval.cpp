// `minnow eval CONFIG --weights W [--set key=value]... [--json] [--save-logits FILE]`:
// evaluates a minnow export, a checkpoint or a torchvision state dict on the
// config's test split through the same validation loader the trainer uses, and
// optionally saves every logit, (N, K) in dataset order, as tensor "logits".
// --int8 evaluates the int8 model converted from a QAT run instead.
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "core/error.h"
#include "core/safetensors.h"
#include "train/cli/commands.h"
#include "train/data_setup.h"
#include "train/evaluate.h"
#include "train/model_setup.h"
#include "train/qat/int8_model.h"
#include "train/weights_file.h"

namespace minnow::cli {
namespace {

struct EvalArgs {
  std::string config;
  std::string weights;
  std::vector<std::string> overrides;
  bool json = false;
  std::string save_logits;
  bool int8 = false;
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
  MINNOW_CHECK(!a.int8 || config.qat.enabled, "eval: --int8 runs a QAT-trained model; ", a.config,
               " has qat.enabled: false (train with qat.enabled: true, or pass --set qat.enabled=true)");
  if (config.threads > 0) set_num_threads(config.threads);
  auto model = create_run_model(config);
  const WeightsFormat format = load_weights(*model, a.weights, config.model.name, "--weights");
  const data::DataPipeline data = data::make_data(to_data_config(config));
  MINNOW_CHECK(data.val_loader != nullptr, "eval: ", a.config, " has no test data; set data.test or data.val_split");
  MINNOW_CHECK(data.val->num_classes() <= config.model.num_classes, "eval: model.num_classes is ",
               config.model.num_classes, " but the test data has ", data.val->num_classes(), " classes");
  // --int8: the converted model's result, next to the fake-quant model's it came from.
  EvalResult fake_quant;
  std::unique_ptr<Int8Model> int8;
  if (a.int8) {
    fake_quant = evaluate(*model, *data.val_loader, true);
    const int64_t r = config.model.resolution;
    int8 = convert_int8(*model, {config.data.batch_size, config.model.in_channels, r, r});
  }
  const EvalResult r = int8 ? evaluate([&int8](const Tensor& x) { return int8->forward(x); }, *data.val_loader,
                                       true)
                            : evaluate(*model, *data.val_loader, !a.save_logits.empty());
  MINNOW_CHECK(r.count > 0, "eval: none of the ", data.val->size(), " test images could be read");
  if (!a.save_logits.empty()) save_logits(a.save_logits, r, data.val->size(), config);
  const double agreement = int8 ? argmax_agreement_percent(r, fake_quant) : 0.0;

  if (a.json) {
    nlohmann::json out = {{"top1", r.top1}, {"top5", r.top5}, {"loss", r.loss}, {"images", r.count}};
    if (int8) {
      out["fake_quant_top1"] = fake_quant.top1;
      out["argmax_agreement"] = agreement;
    }
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%s%s, %s %s, on %lld test images\n", config.model.name.c_str(), int8 ? " (int8)" : "",
              weights_format_name(format), a.weights.c_str(), static_cast<long long>(r.count));
  std::printf("top-1 %.2f%%  top-5 %.2f%%  loss %.4f\n", r.top1, r.top5, r.loss);
  if (int8)
    std::printf("fake-quant model: top-1 %.2f%%; same top class on %.2f%% of the images\n", fake_quant.top1,
                agreement);
  if (!a.save_logits.empty())
    std::printf("logits (%lld, %lld) saved to %s\n", static_cast<long long>(data.val->size()),
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
  cmd->add_flag("--int8", args->int8,
                "Convert the QAT model to int8 and evaluate that; also prints the fake-quant model's top-1 and "
                "how often the two agree");
  cmd->callback([args, &action] { action = [args] { return run_eval(*args); }; });
}

}  // namespace minnow::cli
