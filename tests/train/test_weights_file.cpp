// Loading weights files: a minnow export, a checkpoint and a bare state dict all load
// (the format read from metadata), and a missing, mis-named or mis-shaped tensor in a
// model.init_weights file, or another model's export, stops with an error naming it.
#include <gtest/gtest.h>

#include "models/zoo.h"
#include "tests/data/data_files.h"
#include "tests/support/python.h"
#include "train/checkpoint.h"
#include "train/model_setup.h"
#include "train/state_dict.h"
#include "train/weights_file.h"

namespace minnow {
namespace {

using test_support::ScratchDir;
using testing::expect_error;

Config tiny_config(const ScratchDir& folder) {
  Config config;
  config.model = {{.name = "mobilenet_v1", .width = 0.25f, .num_classes = 10, .in_channels = 1, .small_input = true},
                  28};  // resolution
  config.data.train = {folder.file("data")};
  return config;
}

void expect_same_state(const Module& a, const Module& b) {
  const SafeTensors sa = state_dict(a), sb = state_dict(b);
  ASSERT_EQ(sa.tensors.size(), sb.tensors.size());
  for (size_t i = 0; i < sa.tensors.size(); ++i) {
    EXPECT_EQ(sa.tensors[i].first, sb.tensors[i].first);
    EXPECT_EQ(sa.tensors[i].second.to_plain(), sb.tensors[i].second.to_plain()) << sa.tensors[i].first;
  }
}

// model.init_weights = a state dict of the config's model after edit, which returns what
// the error must name besides the key and the file.
void expect_init_error(const std::function<std::vector<std::string>(SafeTensors&)>& edit) {
  ScratchDir folder;
  Config config = tiny_config(folder);
  SafeTensors file = state_dict(*create_model(model_spec(config.model, 1)));
  const std::vector<std::string> fragments = edit(file);
  config.model.init_weights = folder.file("init.safetensors");
  save_safetensors(config.model.init_weights, file);
  const auto build = [&] { build_model(config); };
  expect_error(build, {"model.init_weights", config.model.init_weights});
  for (const auto& fragment : fragments) expect_error(build, {fragment});
}

TEST(WeightsFile, ExportCheckpointAndStateDictAllLoad) {
  ScratchDir folder;
  const Config config = tiny_config(folder);
  auto source = create_model(model_spec(config.model, 1));
  NamedParams params;
  for (const auto& p : source->named_parameters()) params.emplace_back(p.name, p.var);
  const auto optimizer = make_optimizer(config.optimizer, params);

  export_weights(folder.file("export.safetensors"), *source, config.model);
  save_checkpoint(folder.file("last.safetensors"), *source, *optimizer, RunPosition{}, config);
  save_safetensors(folder.file("plain.safetensors"), state_dict(*source));
  const std::pair<const char*, WeightsFormat> cases[] = {{"export.safetensors", WeightsFormat::minnow_export},
                                                         {"last.safetensors", WeightsFormat::checkpoint},
                                                         {"plain.safetensors", WeightsFormat::state_dict}};
  for (const auto& [name, format] : cases) {
    auto target = create_model(model_spec(config.model, 2));
    EXPECT_EQ(load_weights(*target, folder.file(name), "mobilenet_v1", "--weights"), format) << name;
    expect_same_state(*source, *target);
  }
}

TEST(WeightsFile, MissingTensorIsNamed) {
  expect_init_error([](SafeTensors& file) -> std::vector<std::string> {
    const std::string name = file.tensors[3].first;
    file.tensors.erase(file.tensors.begin() + 3);
    return {"missing", "'" + name + "'"};
  });
}

TEST(WeightsFile, MisnamedTensorIsNamedBothWays) {
  expect_init_error([](SafeTensors& file) -> std::vector<std::string> {
    const std::string name = file.tensors[0].first;
    file.tensors[0].first = name + "_renamed";
    return {"missing", "'" + name + "'", "not in the model", "'" + name + "_renamed'"};
  });
}

TEST(WeightsFile, MisshapedTensorIsNamedWithBothShapes) {
  expect_init_error([](SafeTensors& file) -> std::vector<std::string> {
    auto& [name, tensor] = file.tensors[0];
    const std::string shapes = "(file " + dims_str({tensor.numel() + 1}) + ", model " + dims_str(tensor.dims()) + ")";
    tensor = Tensor::zeros({tensor.numel() + 1});
    return {"wrong shape", name + " " + shapes};
  });
}

TEST(WeightsFile, AnotherModelsExportSaysWhichModelItHolds) {
  ScratchDir folder;
  const Config config = tiny_config(folder);
  export_weights(folder.file("v1.safetensors"), *create_model(model_spec(config.model, 1)), config.model);
  auto v2 = create_model({.name = "mobilenet_v2", .num_classes = 10});
  expect_error([&] { load_weights(*v2, folder.file("v1.safetensors"), "mobilenet_v2", "--weights"); },
               {"--weights", "v1.safetensors", "holds mobilenet_v1 weights", "mobilenet_v2"});
}

TEST(WeightsFile, UnknownMinnowFormatAndMissingFileAreErrors) {
  ScratchDir folder;
  const Config config = tiny_config(folder);
  auto model = create_model(model_spec(config.model, 1));
  SafeTensors file = state_dict(*model);
  file.metadata["format"] = "minnow-weights-9";
  save_safetensors(folder.file("future.safetensors"), file);
  expect_error([&] { load_weights(*model, folder.file("future.safetensors"), "mobilenet_v1", "--weights"); },
               {"future.safetensors", "minnow-weights-9", "minnow-weights-1"});
  expect_error([&] { load_weights(*model, folder.file("none.safetensors"), "mobilenet_v1", "--weights"); },
               {"--weights", "none.safetensors", "no such file"});
}

}  // namespace
}  // namespace minnow
