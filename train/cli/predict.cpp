// `minnow predict CONFIG --weights W IMAGE... [--json] [--fold [--winograd]]`: decodes each image (JPEG,
// PNG, BMP), converts it to the model's channels, applies the config's evaluation
// transform (the shorter side brought to the crop, then the centre crop: as the
// training images were) and prints the top-5 classes with their probabilities. Class
// names come from data.class_names, else from the configured dataset when it is on
// disk (folder names, CIFAR's meta file), else the class indices stand in. --fold
// [--winograd] runs the model folded for inference (models/inference_fold.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/engine.h"
#include "core/error.h"
#include "core/grad_mode.h"
#include "data/cifar.h"
#include "data/decode.h"
#include "data/folder.h"
#include "data/read_file.h"
#include "data/transform.h"
#include "models/inference_fold.h"
#include "train/cli/commands.h"
#include "train/data_setup.h"
#include "train/model_setup.h"

namespace minnow::cli {
namespace {

struct PredictArgs {
  std::string config;
  std::string weights;
  std::vector<std::string> images;
  std::vector<std::string> overrides;
  bool json = false;
  bool fold = false, winograd = false;  // run the model folded for inference (models/inference_fold.h)
};

struct Guess {
  int64_t index = 0;
  double probability = 0;
};

// The dataset's class names, or none when its files are not there (IDX files name no classes).
std::vector<std::string> class_names(const Config& c) {
  if (!c.data.class_names.empty()) return c.data.class_names;
  if (c.data.train.empty() || !std::filesystem::exists(c.data.train[0])) return {};
  const std::string& root = c.data.train[0];
  switch (c.data.format) {
    case DataFormat::folder: return data::FolderDataset(root).class_names();
    case DataFormat::cifar10:
      return data::open_cifar(root, data::CifarVariant::cifar10, data::Split::test)->class_names();
    case DataFormat::cifar100: {
      const auto variant = c.data.cifar100_label == Cifar100Label::coarse ? data::CifarVariant::cifar100_coarse
                                                                         : data::CifarVariant::cifar100_fine;
      return data::open_cifar(root, variant, data::Split::test)->class_names();
    }
    case DataFormat::idx: return {};
  }
  return {};
}

// The transformed image as (C, H, W) floats.
std::vector<float> load_image(const std::string& path, const Config& config, const data::Transform& transform) {
  const std::vector<uint8_t> bytes = data::read_file(path, "predict");
  data::Image image = data::decode_image(
      bytes, {.channels = static_cast<int>(config.model.in_channels), .max_pixels = config.data.max_pixels}, path);
  Rng unused(0);  // the evaluation transform has no random step
  image = transform.apply(std::move(image), unused);
  const int side = config.model.resolution;
  MINNOW_CHECK(image.height == side && image.width == side, "predict: ", path, ": the evaluation transform gives ",
               image.height, "x", image.width, " pixels, expected model.resolution ", side, "x", side,
               " (check data.transforms.crop)");
  std::vector<float> chw(static_cast<size_t>(image.channels) * static_cast<size_t>(side) * static_cast<size_t>(side));
  transform.normalize_into(image, chw);
  return chw;
}

// The top min(5, K) classes of one row of logits, by softmax probability.
std::vector<Guess> top5(std::span<const float> logits) {
  const float max_logit = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  std::vector<Guess> all(logits.size());
  for (size_t k = 0; k < logits.size(); ++k) {
    all[k] = {static_cast<int64_t>(k), std::exp(static_cast<double>(logits[k]) - max_logit)};
    sum += all[k].probability;
  }
  for (auto& g : all) g.probability /= sum;
  const size_t shown = std::min<size_t>(5, all.size());
  std::partial_sort(all.begin(), all.begin() + static_cast<long>(shown), all.end(),
                    [](const Guess& a, const Guess& b) { return a.probability > b.probability; });
  all.resize(shown);
  return all;
}

// Prints (text) and appends to out (JSON) the top classes of one image's logits.
void report(const std::string& image, std::span<const float> logits, const std::vector<std::string>& names,
            bool json, nlohmann::json& out) {
  nlohmann::json top = nlohmann::json::array();
  if (!json) std::printf("%s\n", image.c_str());
  for (const auto& g : top5(logits)) {
    const auto index = static_cast<size_t>(g.index);
    const std::string name = index < names.size() ? names[index] : std::to_string(g.index);
    top.push_back({{"class", g.index}, {"name", name}, {"probability", g.probability}});
    if (!json)
      std::printf("  %6.2f%%  %s (class %lld)\n", 100 * g.probability, name.c_str(), static_cast<long long>(g.index));
  }
  out.push_back({{"image", image}, {"top5", top}});
}

int run_predict(const PredictArgs& a) {
  if (a.json) log_to_stderr();
  const Config config = load_config(a.config, a.overrides);
  if (config.threads > 0) set_num_threads(config.threads);
  const auto model = load_run_model(config, a.weights, "--weights").model;
  model->eval();
  const std::vector<std::string> names = class_names(config);
  const data::Transform transform(eval_transform(config));
  const int64_t c = config.model.in_channels, side = config.model.resolution;
  if (a.fold) {
    MINNOW_CHECK(!config.qat.enabled, "predict: --fold folds a float model; ", a.config,
                 " has qat.enabled: true (predict runs its fake-quant model unfolded)");
    const auto batch = std::min<int64_t>(config.data.batch_size, static_cast<int64_t>(a.images.size()));
    fold_for_inference(*model, {batch, c, side, side}, {.winograd = a.winograd});
  }

  NoGrad no_grad;
  nlohmann::json out = nlohmann::json::array();
  const auto per_batch = static_cast<size_t>(config.data.batch_size);
  for (size_t first = 0; first < a.images.size(); first += per_batch) {
    const size_t count = std::min(per_batch, a.images.size() - first);
    std::vector<float> batch;  // (count, C, H, W)
    for (size_t i = first; i < first + count; ++i) {
      const std::vector<float> chw = load_image(a.images[i], config, transform);
      batch.insert(batch.end(), chw.begin(), chw.end());
    }
    const Tensor images = Tensor::from_plain({static_cast<int64_t>(count), c, side, side}, batch);
    const std::vector<float> logits = model->forward(Var(images)).data().to_plain();  // (count, K)
    const size_t k = logits.size() / count;
    for (size_t i = 0; i < count; ++i)
      report(a.images[first + i], std::span<const float>(logits).subspan(i * k, k), names, a.json, out);
  }
  if (a.json) std::printf("%s\n", out.dump().c_str());
  return 0;
}

}  // namespace

void add_predict_command(CLI::App& app, Action& action) {
  auto args = std::make_shared<PredictArgs>();
  auto* cmd = app.add_subcommand("predict", "Top-5 classes of image files (JPEG, PNG, BMP)");
  cmd->add_option("config", args->config, "YAML config file (model and evaluation transform)")->required();
  cmd->add_option("images", args->images, "Image files")->required();
  cmd->add_option("--weights", args->weights,
                  "minnow export, checkpoint (last/best.safetensors) or torchvision state dict (.safetensors)")
      ->required();
  cmd->add_option("--set", args->overrides, "Override a config key: --set model.resolution=160 (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--json", args->json, "Print one JSON array: per image, its top-5 classes and probabilities");
  auto* fold = cmd->add_flag("--fold", args->fold,
                             "Run the float model with its batch norms and activations folded into the convs, as "
                             "eval --fold does");
  cmd->add_flag("--winograd", args->winograd, "With --fold: 3x3 stride-1 convs as oneDNN's Winograd kernel")
      ->needs(fold);
  cmd->callback([args, &action] { action = [args] { return run_predict(*args); }; });
}

}  // namespace minnow::cli
