// From the config's data and model sections to the data layer's pipeline: the
// dataset paths, the train and evaluation transforms (ending at the model's
// resolution) and the loader settings. Paths are checked here, naming the key.
#pragma once

#include "data/data_config.h"
#include "train/config.h"

namespace minnow {

data::DataConfig to_data_config(const Config& config);

// The evaluation transform alone (resize, centre crop to model.resolution, normalisation),
// for single images (minnow predict); checks no data path.
data::TransformOptions eval_transform(const Config& config);

}  // namespace minnow
