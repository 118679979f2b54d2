// add_model_options: each option with its default shown and its range checked by CLI11.
#include "train/cli/model_options.h"

namespace minnow::cli {

void add_model_options(CLI::App& cmd, ModelSpec& spec, int64_t& resolution) {
  cmd.add_option("--model", spec.name, "Model name")->required()->check(CLI::IsMember(model_names()));
  cmd.add_option("--resolution", resolution, "Input resolution in pixels")
      ->capture_default_str()
      ->check(CLI::Range(8, 4096));
  cmd.add_option("--width", spec.width, "Width multiplier (ShuffleNet v1: scale factor; mnasnet: alpha)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--num-classes", spec.num_classes, "Classifier outputs")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_option("--in-channels", spec.in_channels, "Input channels")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  cmd.add_flag("--small-input", spec.small_input, "Stride-1 stem for inputs of 64 px or less");
  cmd.add_option("--groups", spec.groups, "ShuffleNet v1 groups")
      ->capture_default_str()
      ->check(CLI::IsMember({1, 2, 3, 4, 8}));
  cmd.add_option("--channels", spec.channels,
                 "A pruned model's channel plan (model.channels of the config minnow prune writes): layer:channels "
                 "entries, comma-separated")
      ->delimiter(',');
}

}  // namespace minnow::cli
