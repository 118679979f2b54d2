// run_test_images: the validation loader's batches, joined.
#include "tests/deploy/run_images.h"

#include "core/error.h"
#include "data/loader.h"
#include "train/config.h"
#include "train/data_setup.h"

namespace minnow::test_support {

RunImages run_test_images(const std::string& config_path) {
  const data::DataPipeline data = data::make_data(to_data_config(load_config(config_path)));
  MINNOW_CHECK(data.val_loader, config_path, " has no test data");
  std::vector<float> values;
  RunImages out;
  Dims dims;
  data.val_loader->begin_epoch(0);
  while (auto batch = data.val_loader->next()) {
    const std::vector<float> v = batch->images.to_plain();
    values.insert(values.end(), v.begin(), v.end());
    out.labels.insert(out.labels.end(), batch->labels.begin(), batch->labels.end());
    const Dims d = batch->images.dims();
    dims = dims.empty() ? d : Dims{dims[0] + d[0], d[1], d[2], d[3]};
  }
  out.images = Tensor::from_plain(dims, values);
  return out;
}

}  // namespace minnow::test_support
