// `minnow predict` on images of another size than the training data: a model trained on
// 12x12 IDX images classifies a 10x larger copy of each test image as it classifies the
// original (the shorter side is brought to model.resolution before the crop, as the
// training images were), and prints the names from data.class_names.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "data/idx.h"
#include "tests/data/data_files.h"
#include "tests/support/python.h"
#include "tests/train/cli_run.h"
#include "tests/train/tiny_dataset.h"

namespace minnow {
namespace {

using nlohmann::json;
using test_support::CliRun;
using test_support::run_minnow;
using test_support::ScratchDir;

// Each pixel repeated factor x factor times.
data::Image upscale_nearest(const data::Image& image, int factor) {
  data::Image out{.height = image.height * factor, .width = image.width * factor, .channels = image.channels,
                  .pixels = {}};
  out.pixels.resize(static_cast<size_t>(out.height) * out.width * out.channels);
  for (int y = 0; y < out.height; ++y)
    for (int x = 0; x < out.width; ++x)
      for (int c = 0; c < image.channels; ++c)
        out.pixels[(static_cast<size_t>(y) * out.width + x) * out.channels + c] =
            image.pixels[(static_cast<size_t>(y / factor) * image.width + x / factor) * image.channels + c];
  return out;
}

TEST(CliPredict, ALargeImageIsClassifiedAsItsOriginal) {
  ScratchDir folder;
  test_support::write_tiny_train_and_test(folder.path());
  const std::string config = folder.file("run.yaml");
  testing::write_text(config,
                      "model: {name: mobilenet_v1, width: 0.25, resolution: 12, num_classes: 4, in_channels: 1,"
                      " small_input: true}\n"
                      "data: {format: idx, train: [" + folder.path().string() + "], batch_size: 16, workers: 0,"
                      " class_names: [north, east, south, west], transforms: {mean: [0.3], std: [0.3]}}\n"
                      "optimizer: {name: sgd, lr: 0.1, momentum: 0.9, nesterov: true}\nschedule: {name: onecycle}\n"
                      "epochs: 30\nthreads: 1\nseed: 3\noutput: " + folder.file("run") + "\n");
  const CliRun train = run_minnow({"train", config}, folder.path());
  ASSERT_EQ(train.exit_code, 0) << train.err;

  const auto tests = data::open_idx(folder.path(), data::Split::test);
  std::vector<std::string> args{"predict", config, "--weights", folder.file("run/model.safetensors"), "--json"};
  constexpr int kImages = 16;
  for (int i = 0; i < kImages; ++i) {
    const data::Image small = tests->get(i)->image;
    std::string name = "test_";  // (not "t" + ...: GCC 12 warns falsely of an overlapping memcpy)
    name += std::to_string(i);
    testing::write_file(folder.file(name + ".png"), testing::encode_image(small, "png"));
    testing::write_file(folder.file(name + "_x10.png"), testing::encode_image(upscale_nearest(small, 10), "png"));
    args.push_back(folder.file(name + ".png"));
    args.push_back(folder.file(name + "_x10.png"));
  }
  const CliRun run = run_minnow(args, folder.path());
  ASSERT_EQ(run.exit_code, 0) << run.err;
  const json out = json::parse(run.out);
  ASSERT_EQ(out.size(), 2u * kImages);
  int correct = 0;
  for (int i = 0; i < kImages; ++i) {
    const json& small = out[2 * i]["top5"][0];
    const json& large = out[2 * i + 1]["top5"][0];
    EXPECT_EQ(large["class"], small["class"]) << "image " << i << ": " << out[2 * i] << " vs " << out[2 * i + 1];
    EXPECT_NEAR(large["probability"].get<double>(), small["probability"].get<double>(), 0.1) << "image " << i;
    const std::vector<std::string> names{"north", "east", "south", "west"};
    EXPECT_EQ(small["name"], names.at(small["class"].get<size_t>()));
    correct += small["class"].get<int32_t>() == tests->label(i);
  }
  // The model learnt the task, so agreement is not that of a constant guess.
  EXPECT_GE(correct, kImages * 3 / 4);
}

}  // namespace
}  // namespace minnow
