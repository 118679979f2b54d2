// evaluate_weights: every check `minnow eval` makes, in its words.
#include "train/eval_run.h"

#include <nlohmann/json.hpp>

#include "core/compute_type.h"
#include "core/engine.h"
#include "core/error.h"
#include "train/data_setup.h"
#include "train/model_setup.h"
#include "train/qat/int8_model.h"

namespace minnow {

EvalRun evaluate_weights(const Config& config, const std::string& config_name, const std::string& weights,
                         const std::string& weights_source, const EvalRunOptions& options) {
  MINNOW_CHECK(!options.int8 || config.qat.enabled, "eval: --int8 runs a QAT-trained model; ", config_name,
               " has qat.enabled: false (train with qat.enabled: true, or pass --set qat.enabled=true)");
  MINNOW_CHECK(!options.fold || (!config.qat.enabled && !options.int8), "eval: --fold folds a float model; ",
               config_name, options.int8 ? " was asked for --int8 too" : " has qat.enabled: true (use --int8)");
  if (config.threads > 0) set_num_threads(config.threads);
  EvalRun run;
  run.int8 = options.int8;
  RunModel loaded = load_run_model(config, weights, weights_source);
  Module& model = *loaded.model;
  run.format = loaded.format;
  const data::DataPipeline data = data::make_data(to_data_config(config));
  MINNOW_CHECK(data.val_loader != nullptr, "eval: ", config_name, " has no test data; set data.test or data.val_split");
  MINNOW_CHECK(data.val->num_classes() <= config.model.num_classes, "eval: model.num_classes is ",
               config.model.num_classes, " but the test data has ", data.val->num_classes(), " classes");
  run.images = data.val->size();
  if (options.int8) {
    run.fake_quant = evaluate(model, *data.val_loader, true);
    const int64_t r = config.model.resolution;
    const auto int8 = convert_int8(model, {config.data.batch_size, config.model.in_channels, r, r});
    run.result = evaluate([&int8](const Tensor& x) { return int8->forward(x); }, *data.val_loader, true);
    run.agreement = argmax_agreement_percent(run.result, run.fake_quant);
  } else if (options.fold) {
    const ComputeScope compute(compute_type(config.precision));
    run.unfolded = evaluate(model, *data.val_loader, true);
    const int64_t r = config.model.resolution;
    run.folded = true;
    run.fold_counts = fold_for_inference(model, {config.data.batch_size, config.model.in_channels, r, r},
                                         {.winograd = options.winograd});
    run.result = evaluate(model, *data.val_loader, true);
    run.agreement = argmax_agreement_percent(run.result, run.unfolded);
  } else {
    const ComputeScope compute(compute_type(config.precision));  // the run's own precision
    run.result = evaluate(model, *data.val_loader, options.keep_logits);
  }
  MINNOW_CHECK(run.result.count > 0, "eval: none of the ", run.images, " test images could be read");
  return run;
}

nlohmann::json eval_run_json(const EvalRun& run) {
  const EvalResult& r = run.result;
  nlohmann::json out = {{"top1", r.top1}, {"top5", r.top5}, {"loss", r.loss}, {"images", r.count}};
  if (run.int8) {
    out["fake_quant_top1"] = run.fake_quant.top1;
    out["argmax_agreement"] = run.agreement;
  }
  if (run.folded) {
    out["unfolded_top1"] = run.unfolded.top1;
    out["argmax_agreement"] = run.agreement;
    out["folded_batch_norms"] = run.fold_counts.batch_norms;
    out["folded_activations"] = run.fold_counts.activations;
    out["winograd_convs"] = run.fold_counts.winograd_convs;
  }
  return out;
}

}  // namespace minnow
