// `minnow stats --weights`: each conv and linear layer's fraction of zero weights in an
// export or a state dict of the model, as text and JSON, against zeros set here; a file of
// another model is one error line naming the tensor.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "models/zoo.h"
#include "tests/support/python.h"
#include "tests/train/cli_run.h"
#include "train/model_setup.h"
#include "train/prune/pruned_weights.h"
#include "train/state_dict.h"

namespace minnow {
namespace {

using nlohmann::json;
using test_support::CliRun;
using test_support::run_minnow;
using test_support::ScratchDir;

const std::vector<std::string> kModelFlags = {"--model", "mobilenet_v1", "--width", "0.25", "--resolution", "16",
                                              "--num-classes", "4", "--small-input", "--threads", "1"};

CliRun stats(const std::vector<std::string>& extra, const ScratchDir& folder) {
  std::vector<std::string> args = {"stats"};
  args.insert(args.end(), kModelFlags.begin(), kModelFlags.end());
  args.insert(args.end(), extra.begin(), extra.end());
  return run_minnow(args, folder.path());
}

TEST(CliStats, WeightsAddEachLayersSparsity) {
  ScratchDir folder;
  ModelConfig m;
  m.name = "mobilenet_v1";
  m.width = 0.25;
  m.resolution = 16;
  m.num_classes = 4;
  m.small_input = true;
  auto model = create_model(m);
  // Layer i (in module order) gets its first i entries zeroed: i / size of it.
  std::map<std::string, double> expected;
  int64_t zeros = 0, total = 0, i = 0;
  for (const auto& [name, module] : model->named_modules()) {
    const Var* w = prunable_weight(*module);
    if (w == nullptr) continue;
    std::vector<float> v = w->data().to_plain();
    std::fill(v.begin(), v.begin() + i, 0.0f);
    w->set_data(Tensor::from_plain(w->dims(), v));
    expected[name] = static_cast<double>(i) / static_cast<double>(v.size());
    zeros += i++;
    total += static_cast<int64_t>(v.size());
  }
  const std::string exported = folder.file("model.safetensors");
  export_weights(exported, *model, m);
  const std::string state = folder.file("state.safetensors");
  save_safetensors(state, state_dict(*model));

  for (const std::string& file : {exported, state}) {
    const CliRun run = stats({"--weights", file, "--json"}, folder);
    ASSERT_EQ(run.exit_code, 0) << run.err;
    const json out = json::parse(run.out);
    EXPECT_EQ(out["sparsity"]["zeros"], zeros);
    EXPECT_EQ(out["sparsity"]["weights"], total);
    size_t rows = 0;
    for (const auto& row : out["layers"]) {
      const auto it = expected.find(row["name"].get<std::string>());
      if (it == expected.end()) {
        EXPECT_FALSE(row.contains("sparsity")) << row["name"];
        continue;
      }
      EXPECT_DOUBLE_EQ(row["sparsity"].get<double>(), it->second) << row["name"];
      ++rows;
    }
    EXPECT_EQ(rows, expected.size());
  }
  const CliRun text = stats({"--weights", exported}, folder);
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("sparsity"), std::string::npos);
  EXPECT_NE(text.out.find("of " + std::to_string(total) + " conv and linear weights are zero"), std::string::npos);
  // Without --weights, no sparsity at all.
  const CliRun plain = stats({"--json"}, folder);
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_FALSE(json::parse(plain.out).contains("sparsity"));
}

TEST(CliStats, WeightsOfAnotherModelAreOneErrorLine) {
  ScratchDir folder;
  ModelConfig m;
  m.name = "mobilenet_v1";
  m.width = 0.5;  // twice the channels of the flags' model
  m.num_classes = 4;
  m.small_input = true;
  export_weights(folder.file("wide.safetensors"), *create_model(m), m);
  test_support::expect_one_line_error(stats({"--weights", folder.file("wide.safetensors")}, folder),
                                      "--weights '" + folder.file("wide.safetensors") +
                                          "': expected a tensor 'features.0.0.weight' of dims [8, 3, 3, 3], got "
                                          "[16, 3, 3, 3]");
}

}  // namespace
}  // namespace minnow
