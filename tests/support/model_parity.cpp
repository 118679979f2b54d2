// Runs torchvision_models.py and compares models with its results; weights load through
// train/state_dict.h (strict names and shapes).
#include "tests/support/model_parity.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.h"
#include "core/grad_mode.h"
#include "models/layers.h"
#include "ops/losses.h"
#include "tests/support/python.h"
#include "tests/support/random.h"
#include "train/state_dict.h"

namespace minnow::test_support {
namespace {

std::vector<std::pair<std::string, Dims>> named_shapes(const nlohmann::json& list) {
  std::vector<std::pair<std::string, Dims>> out;
  for (const auto& entry : list) {
    Dims shape = entry.at(1).get<Dims>();
    if (shape.empty()) shape = {1};  // minnow holds scalars (num_batches_tracked) as {1}
    out.emplace_back(entry.at(0).get<std::string>(), shape);
  }
  return out;
}

std::string exact(double value) {
  std::ostringstream out;
  out << std::setprecision(17) << value;
  return out.str();
}

}  // namespace

std::map<std::string, TorchvisionModelInfo> describe_torchvision_models(const std::vector<std::string>& names,
                                                                        int64_t num_classes,
                                                                        const std::string& kwargs_json) {
  const ScratchDir dir;
  const std::string out = dir.file("describe.json");
  std::vector<std::string> args = {"describe", out, "--num-classes", std::to_string(num_classes), "--kwargs",
                                   kwargs_json};
  args.insert(args.end(), names.begin(), names.end());
  const int status = run_python(parity_script("torchvision_models.py"), args);
  MINNOW_CHECK(status == 0, "torchvision describe: ", parity_script("torchvision_models.py"), " exited with status ",
               status);
  std::ifstream file(out);
  const nlohmann::json json = nlohmann::json::parse(file);
  std::map<std::string, TorchvisionModelInfo> infos;
  for (const auto& [name, entry] : json.items()) {
    infos[name] = {.params = entry.at("params").get<int64_t>(),
                   .parameters = named_shapes(entry.at("parameters")),
                   .buffers = named_shapes(entry.at("buffers"))};
  }
  return infos;
}

SafeTensors run_torchvision_reference(const TorchvisionReferenceOptions& options) {
  const ScratchDir dir;
  const std::string out = dir.file("reference.safetensors");
  const int status =
      run_python(parity_script("torchvision_models.py"),
                 {"reference", out, "--model", options.model, "--num-classes", std::to_string(options.num_classes),
                  "--batch", std::to_string(options.batch), "--resolution", std::to_string(options.resolution),
                  "--seed", std::to_string(options.seed), "--kwargs", options.kwargs_json, "--min-relu-margin",
                  exact(options.min_relu_margin), "--kink-inputs", options.kink_inputs});
  MINNOW_CHECK(status == 0, "torchvision reference for ", options.model, ": ", parity_script("torchvision_models.py"),
               " exited with status ", status);
  return load_safetensors(out);
}

SafeTensors activation_outputs(Module& model, const SafeTensors& reference) {
  load_state_dict(model, reference, reference.source, "state/");
  SafeTensors outputs;
  std::vector<std::pair<Module*, int64_t>> hooks;
  for (const auto& [name, module] : model.named_modules()) {
    if (dynamic_cast<const Activation*>(module) == nullptr) continue;
    hooks.emplace_back(module, module->add_forward_hook([&outputs, name](const Var& y) {
      outputs.tensors.emplace_back(name, Tensor::from_plain(y.dims(), y.data().to_plain()));
      return y;
    }));
  }
  // Recording on, as in the step under test: conv and BN pick their primitives by it, and
  // different primitives round differently.
  model.train();
  model.forward(Var(reference.at("input")));
  for (const auto& [module, id] : hooks) module->remove_hook(id);
  return outputs;
}

SafeTensors run_torchvision_reference_following_kinks(Module& model, TorchvisionReferenceOptions options) {
  const SafeTensors first = run_torchvision_reference(options);
  const ScratchDir dir;
  options.kink_inputs = dir.file("kink_inputs.safetensors");
  save_safetensors(options.kink_inputs, activation_outputs(model, first));
  SafeTensors reference = run_torchvision_reference(options);
  expect_close(reference.at("input").to_plain(), first.at("input"), Tolerance{.atol_scale = 0, .rtol = 0},
               "input of the kink-following reference");
  ::testing::Test::RecordProperty("kink_flips", reference.metadata.at("kink_flips"));
  return reference;
}

void expect_close(const std::vector<float>& actual, const Tensor& expected, const Tolerance& tolerance,
                  const std::string& what) {
  const std::vector<float> reference = expected.to_plain();
  ASSERT_EQ(actual.size(), reference.size()) << what;
  float largest = 0;
  for (float v : reference) largest = std::max(largest, std::abs(v));
  const double atol = std::max(tolerance.atol + tolerance.atol_scale * largest, 1e-30);
  const double worst = closeness(actual, reference, atol, tolerance.rtol);
  EXPECT_LE(worst, 1.0) << what << ": differs from torchvision by " << worst << " times the tolerance (atol " << atol
                        << ", rtol " << tolerance.rtol << ", max |reference| " << largest << ")";
}

void expect_torchvision_parity(Module& model, const SafeTensors& reference, const ParityTolerances& tolerances) {
  load_state_dict(model, reference, reference.source, "state/");
  const Tensor input = reference.at("input");  // (N, C, H, W)
  const Tensor& label_tensor = reference.at("labels");
  const std::vector<int32_t> labels(label_tensor.data<int32_t>(), label_tensor.data<int32_t>() + label_tensor.numel());

  model.eval();
  {
    NoGrad no_grad;
    expect_close(model.forward(Var(input)).data().to_plain(), reference.at("eval/logits"), tolerances.logits,
                 "eval logits");
  }
  model.train();
  const Var logits = model.forward(Var(input));
  const Var loss = cross_entropy(logits, labels);
  loss.backward();
  expect_close(logits.data().to_plain(), reference.at("train/logits"), tolerances.logits, "train-mode logits");
  expect_close(loss.data().to_plain(), reference.at("train/loss"), tolerances.logits, "train-mode loss");
  for (const auto& p : model.named_parameters()) {
    if (!p.var.grad().defined()) {
      ADD_FAILURE() << p.name << ": no gradient";
      continue;
    }
    expect_close(p.var.grad().to_plain(), reference.at("grad/" + p.name), tolerances.gradients,
                 "gradient of " + p.name);
  }
  for (const auto& b : model.named_buffers()) {
    expect_close(b.tensor.to_plain(), reference.at("after/" + b.name), tolerances.running_stats,
                 "buffer " + b.name + " after the train-mode step");
  }
}

}  // namespace minnow::test_support
