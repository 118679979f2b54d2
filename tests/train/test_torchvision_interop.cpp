// Weights between minnow and torchvision, both ways, on mobilenet_v2, mobilenet_v3_small, mnasnet0_5,
// efficientnet_b0, xception, googlenet and densenet121 (10 classes, 32 px; torchvision has no Xception, so
// its side is tests/parity/xception_reference.py): a minnow model trained a few SGD steps is exported, loaded into
// torchvision's model of the same name and run on a CIFAR-10 batch file, matching
// `minnow eval --save-logits` on that file; and a torchvision state dict (int64
// num_batches_tracked) loads through model.init_weights and gives torchvision's logits.
// Tolerance: 1e-4 relative. GoogLeNet is re-drawn in both directions so that its logits depend on
// the weights before its fc (tests/support/input_sensitive_model.h).
#include <gtest/gtest.h>

#include "core/grad_mode.h"
#include "core/safetensors.h"
#include "models/zoo.h"
#include "ops/losses.h"
#include "tests/data/data_files.h"
#include "tests/support/input_sensitive_model.h"
#include "tests/support/python.h"
#include "tests/support/random.h"
#include "tests/train/cli_run.h"
#include "train/model_setup.h"
#include "train/optimizer.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;
using test_support::ScratchDir;

ModelConfig model_config(const std::string& name) { return {{.name = name, .num_classes = 10}, 32}; }  // 32 px

// n CIFAR-10 records with random labels and pixels.
testing::Bytes random_cifar(int n, Rng& rng) {
  testing::Bytes bytes;
  for (int r = 0; r < n; ++r) {
    bytes.push_back(static_cast<uint8_t>(rng.below(10)));
    for (int p = 0; p < 3072; ++p) bytes.push_back(static_cast<uint8_t>(rng.below(256)));
  }
  return bytes;
}

void train_a_few_steps(Module& model, double lr, Rng& rng) {
  NamedParams params;
  for (const auto& p : model.named_parameters()) params.emplace_back(p.name, p.var);
  auto sgd = make_optimizer({.lr = lr, .momentum = 0.9, .weight_decay = 5e-4}, params);
  model.train();
  for (int step = 0; step < 3; ++step) {
    std::vector<int32_t> labels;
    for (int i = 0; i < 8; ++i) labels.push_back(static_cast<int32_t>(rng.below(10)));
    sgd->zero_grad();
    cross_entropy(model.forward(test_support::random_var({8, 3, 32, 32}, rng, false)), labels).backward();
    sgd->step(lr);
  }
}

class TorchvisionInterop : public ::testing::TestWithParam<std::string> {};

TEST_P(TorchvisionInterop, ExportLoadsIntoTorchvisionAndMatchesMinnowEval) {
  const ModelConfig model_cfg = model_config(GetParam());
  ScratchDir folder;
  Rng rng(11);
  auto model = test_support::create_input_sensitive_model(model_spec(model_cfg, 1));
  // Three steps leave the running statistics near their start (MNASNet's BN momentum is 3e-4),
  // so eval-mode activations grow through unbounded ReLUs and SiLUs: logits near 1e19
  // (mnasnet0_5) and 1e23 (efficientnet_b0) in minnow and torchvision alike, compared
  // relatively. At lr 0.05 MNASNet's overflow to inf, so its steps take lr 0.005.
  train_a_few_steps(*model, GetParam().starts_with("mnasnet") ? 0.005 : 0.05, rng);
  const std::string weights = folder.file("model.safetensors");
  export_weights(weights, *model, model_cfg);

  const fs::path cifar = folder.path() / "cifar";
  for (int b = 1; b <= 5; ++b)
    testing::write_file(cifar / ("data_batch_" + std::to_string(b) + ".bin"), random_cifar(1, rng));
  testing::write_file(cifar / "test_batch.bin", random_cifar(6, rng));
  const std::string config = folder.file("cifar.yaml");
  testing::write_text(config, "model:\n  name: " + GetParam() + "\n  resolution: 32\n  num_classes: 10\n"
                              "data:\n  format: cifar10\n  train: [" + cifar.string() + "]\n  batch_size: 4\n"
                              "  workers: 0\n  transforms:\n    mean: [0.49, 0.48, 0.45]\n"
                              "    std: [0.25, 0.24, 0.26]\noutput: " + folder.file("run") + "\n");
  const std::string logits = folder.file("logits.safetensors");
  const auto eval = test_support::run_minnow({"eval", config, "--weights", weights, "--save-logits", logits},
                                             folder.path());
  ASSERT_EQ(eval.exit_code, 0) << eval.err;
  EXPECT_EQ(load_safetensors(logits).at("logits").dims(), (Dims{6, 10}));
  EXPECT_EQ(test_support::run_python(test_support::parity_script("torchvision_interop.py"),
                                     {"check-export", weights, (cifar / "test_batch.bin").string(), logits,
                                      "0.49,0.48,0.45", "0.25,0.24,0.26", GetParam()}),
            0);
}

TEST_P(TorchvisionInterop, TorchvisionStateDictGivesTorchvisionLogits) {
  ScratchDir folder;
  const std::string weights = folder.file("torchvision.safetensors"), io = folder.file("io.safetensors");
  const std::string script = test_support::parity_script("torchvision_interop.py");
  ASSERT_EQ(test_support::run_python(script, {"state-dict", weights, io, GetParam()}), 0);
  Config config;
  config.model = model_config(GetParam());
  config.model.init_weights = weights;
  auto model = build_model(config);
  for (const auto& b : model->named_buffers()) {
    if (b.name.ends_with("num_batches_tracked")) {
      EXPECT_EQ(b.tensor.data<int32_t>()[0], 7) << b.name;
    }
  }

  const SafeTensors expected = load_safetensors(io);
  model->eval();
  NoGrad no_grad;
  const std::vector<float> logits = model->forward(Var(expected.at("input"))).data().to_plain();
  const std::vector<float> reference = expected.at("logits").to_plain();
  float scale = 1.0f;
  for (float v : reference) scale = std::max(scale, std::abs(v));
  EXPECT_LE(test_support::closeness(logits, reference, 1e-5 * scale, 1e-4), 1.0);
}

INSTANTIATE_TEST_SUITE_P(Models, TorchvisionInterop,
                         ::testing::Values("mobilenet_v2", "mobilenet_v3_small", "mnasnet0_5", "efficientnet_b0",
                                           "xception", "googlenet", "densenet121"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace minnow
