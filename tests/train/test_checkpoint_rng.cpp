// A checkpoint keeps the mask generators: after some train-mode steps of EfficientNet-B0, every
// stochastic-depth and dropout generator of a model restored from the checkpoint is where the
// saved model's was, so the resumed run draws the same keep flags.
#include <gtest/gtest.h>

#include "core/grad_mode.h"
#include "models/layers.h"
#include "models/zoo.h"
#include "tests/support/random.h"
#include "tests/support/python.h"
#include "train/checkpoint.h"
#include "train/model_setup.h"
#include "train/optimizer.h"

namespace minnow {
namespace {

std::vector<std::pair<std::string, Rng::State>> generator_states(Module& model) {
  std::vector<std::pair<std::string, Rng::State>> out;
  for (const auto& [name, module] : model.named_modules()) {
    if (auto* layer = dynamic_cast<MaskLayer*>(module)) out.emplace_back(name, layer->rng().state());
  }
  return out;
}

TEST(CheckpointRng, StochasticDepthAndDropoutGeneratorsResume) {
  test_support::ScratchDir folder;
  Config config;
  config.model = {{.name = "efficientnet_b0", .num_classes = 10, .in_channels = 1, .small_input = true}, 16};
  auto source = create_model(model_spec(config.model, 1));
  const auto fresh = generator_states(*source);
  ASSERT_EQ(fresh.size(), 17u);  // 16 blocks' stochastic depth, the classifier's dropout
  source->train();
  Rng rng(3);
  {
    NoGrad no_grad;
    for (int step = 0; step < 2; ++step) (void)source->forward(test_support::random_var({4, 1, 16, 16}, rng, false));
  }
  const auto drawn = generator_states(*source);
  int moved = 0;
  for (size_t i = 0; i < drawn.size(); ++i) moved += drawn[i].second != fresh[i].second;
  // Only the 9 residual blocks run their stochastic depth (the first block of each stage
  // changes the shape), and the dropout draws.
  EXPECT_EQ(moved, 10);

  NamedParams params;
  for (const auto& p : source->named_parameters()) params.emplace_back(p.name, p.var);
  const auto optimizer = make_optimizer(config.optimizer, params);
  save_checkpoint(folder.file("last.safetensors"), *source, *optimizer, RunPosition{}, config);
  auto target = create_model(model_spec(config.model, 2));
  (void)load_checkpoint(folder.file("last.safetensors"), *target, nullptr);
  EXPECT_EQ(generator_states(*target), drawn);
}

}  // namespace
}  // namespace minnow
