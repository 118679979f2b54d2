// Evaluating a weights file on a config's test split, as `minnow eval` does (the CLI and the
// Python module call this): the config's model with the weights loaded, the validation loader
// the trainer uses, and for a QAT run optionally its converted int8 model, whose result comes
// next to the fake-quant model's it was converted from. Printing and files stay with the caller.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

#include "models/inference_fold.h"
#include "train/config.h"
#include "train/evaluate.h"
#include "train/weights_file.h"

namespace minnow {

struct EvalRunOptions {
  bool int8 = false;         // evaluate the converted int8 model (qat.enabled runs only)
  bool fold = false;         // evaluate the model folded for inference (models/inference_fold.h; float runs only)
  bool winograd = false;     // with fold: its 3x3 stride-1 convs as Winograd (FoldOptions::winograd)
  bool keep_logits = false;  // keep every logit in dataset order
};

struct EvalRun {
  bool int8 = false;
  EvalResult result;      // the model's, or with int8 the int8 model's (then logits are kept)
  EvalResult fake_quant;  // with int8: the fake-quant model's
  bool folded = false;
  EvalResult unfolded;    // with fold: the model's before folding (then result is the folded model's)
  FoldCounts fold_counts;
  double agreement = 0;   // with int8 or fold: the share of images, in percent, with the same top class in both
  WeightsFormat format = WeightsFormat::state_dict;
  int64_t images = 0;  // the test split's size: the rows of result.logits
};

// config_name names the config in messages (its path); weights_source names the weights
// ("--weights").
EvalRun evaluate_weights(const Config& config, const std::string& config_name, const std::string& weights,
                         const std::string& weights_source, const EvalRunOptions& options);

// `minnow eval --json`'s object: top1, top5, loss, images; with int8 also fake_quant_top1 and
// argmax_agreement; with fold unfolded_top1, argmax_agreement and what was folded.
nlohmann::json eval_run_json(const EvalRun& run);

}  // namespace minnow
