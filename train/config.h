// The training config: plain structs with defaults, one per YAML section, plus loading
// (YAML file + `--set key=value` overrides, strict keys and types, range checks) and
// writing back (to_yaml). The key list with docs and each key's rule lives in
// train/config_schema.h; docs/config.md shows it. yaml-cpp stays inside the .cpp files.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "data/data_config.h"
#include "models/zoo.h"

namespace minnow {

// The data layer's own choices, named in the config as they are there.
using data::BadImagePolicy;
using data::DataFormat;
enum class Cifar100Label { fine, coarse };
enum class OptimizerKind { sgd, adamw };
enum class ScheduleKind { constant, step, multistep, cosine, onecycle };
enum class LrScaling { none, linear, sqrt };
enum class Precision { f32, bf16 };  // bf16: mixed precision (core/compute_type.h)
enum class PruneMethod { magnitude };
enum class PruneScope { global, layer };

std::string_view to_string(DataFormat value);
std::string_view to_string(Cifar100Label value);
std::string_view to_string(BadImagePolicy value);
std::string_view to_string(OptimizerKind value);
std::string_view to_string(ScheduleKind value);
std::string_view to_string(LrScaling value);
std::string_view to_string(Precision value);
DType compute_type(Precision value);  // the ops' type for a run's precision

// The model section: the zoo's own ModelSpec (name required; its seed is not a key, the
// run's top-level seed goes there when the model is built), plus what only a run needs.
struct ModelConfig : ModelSpec {
  int resolution = 224;
  std::string init_weights{};  // safetensors file to start from; "" = random init
  bool operator==(const ModelConfig&) const = default;
};

struct RandomResizedCropConfig {
  bool enabled = false;
  std::array<double, 2> scale{0.08, 1.0};
  std::array<double, 2> ratio{3.0 / 4.0, 4.0 / 3.0};
  bool operator==(const RandomResizedCropConfig&) const = default;
};

struct ColorJitterConfig {
  double brightness = 0.0;
  double contrast = 0.0;
  double saturation = 0.0;
  bool operator==(const ColorJitterConfig&) const = default;
};

struct TransformConfig {
  int resize = 0;  // shorter side, 0 = off
  int crop = 0;    // centre crop, 0 = off
  RandomResizedCropConfig random_resized_crop{};
  int random_crop_padding = 0;
  bool hflip = false;
  std::vector<double> mean{};  // empty = no normalisation
  std::vector<double> std{};
  ColorJitterConfig color_jitter{};
  bool operator==(const TransformConfig&) const = default;
};

struct DataConfig {
  DataFormat format = DataFormat::folder;
  std::vector<std::string> train{};  // required
  std::vector<std::string> test{};
  double val_split = 0.0;
  Cifar100Label cifar100_label = Cifar100Label::fine;
  std::vector<std::string> class_names{};  // idx, cifar: one per class; empty: the data's own
  int batch_size = 64;
  int workers = 2;
  int prefetch = 2;
  bool cache = false;
  BadImagePolicy on_bad_image = BadImagePolicy::error;
  int64_t max_pixels = data::kDefaultMaxPixels;
  bool jpeg_partial_decode = true;
  bool drop_last = true;
  TransformConfig transforms{};
  bool operator==(const DataConfig&) const = default;
};

struct OptimizerConfig {
  OptimizerKind name = OptimizerKind::sgd;
  double lr = 0.1;
  double momentum = 0.9;
  bool nesterov = false;
  double weight_decay = 5e-4;
  bool no_decay_bn_bias = false;
  std::array<double, 2> betas{0.9, 0.999};
  double eps = 1e-8;
  double grad_clip_norm = 0.0;  // 0 = off
  bool operator==(const OptimizerConfig&) const = default;
};

struct ScheduleConfig {
  ScheduleKind name = ScheduleKind::cosine;
  double warmup_epochs = 0.0;  // fractional epochs allowed; or warmup_steps, not both
  int64_t warmup_steps = 0;
  double warmup_start_factor = 0.1;
  int step_size = 30;
  std::vector<int> milestones{};
  double gamma = 0.1;
  double min_lr = 0.0;
  double max_lr = 0.0;  // onecycle peak; 0 = optimizer.lr
  double pct_start = 0.3;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
  bool operator==(const ScheduleConfig&) const = default;
};

struct CheckpointConfig {
  int every_epochs = 1;
  bool keep_best = true;
  int64_t every_steps = 0;  // 0 = off
  bool operator==(const CheckpointConfig&) const = default;
};

struct TeacherConfig {
  std::string model{};
  double width = 1.0;
  int resolution = 0;  // 0 = the student's
  std::string weights{};
  bool operator==(const TeacherConfig&) const = default;
};

struct DistillConfig {
  bool enabled = false;
  TeacherConfig teacher{};
  double temperature = 4.0;
  double alpha = 0.9;
  std::vector<std::string> features{};  // "teacher_layer:student_layer" pairs
  double beta = 1.0;                    // weight of the summed feature losses
  bool operator==(const DistillConfig&) const = default;
};

struct QatConfig {
  bool enabled = false;
  int weight_bits = 8;
  int activation_bits = 8;
  bool per_channel = true;
  bool lsq = false;
  int freeze_bn_epoch = -1;  // -1 = never
  int freeze_observer_epoch = -1;
  double observer_momentum = 0.01;  // EMA weight of each batch's activation min/max
  bool operator==(const QatConfig&) const = default;
};

// Gradual magnitude pruning (train/prune/, docs/compression.md): masks recomputed every
// every_steps steps from start_epoch to end_epoch on Zhu & Gupta's cubic schedule.
struct PruneConfig {
  bool enabled = false;
  PruneMethod method = PruneMethod::magnitude;
  PruneScope scope = PruneScope::layer;
  double target_sparsity = 0.5;
  double initial_sparsity = 0.0;
  int start_epoch = 0;
  int end_epoch = 1;
  int64_t every_steps = 100;
  std::vector<std::string> exclude{};  // module-name prefixes or parameter names left dense
  bool operator==(const PruneConfig&) const = default;
};

// XNOR-Net binarization (docs/compression.md): the binarized layers compute with
// alpha_o * sign(w) per output channel, and optionally on sign(input).
struct BinarizeConfig {
  bool enabled = false;
  bool activations = false;             // also binarize the binarized layers' inputs; false = weights only
  bool keep_first_last = true;          // the model's first and last Conv2d / Linear stay float
  std::vector<std::string> exclude{};   // dotted names of Conv2d / Linear layers that stay float
  bool operator==(const BinarizeConfig&) const = default;
};

// Deep Compression's weight sharing (train/share/share_hook.h): every Conv2d and Linear weight,
// except the excluded layers, becomes 2^bits trained centroids and a per-weight index.
struct ShareConfig {
  bool enabled = false;
  int bits = 4;
  std::vector<std::string> exclude{};  // dotted module names of Conv2d/Linear layers kept in float
  int start_epoch = 0;                 // the layers train as floats before it, and are clustered at its start
  bool operator==(const ShareConfig&) const = default;
};

// Data-parallel training under mpirun (docs/distributed.md); ignored by a run of one process.
struct DistributedConfig {
  int world_size = 0;                  // 0 = as many ranks as the launcher started
  bool sync_bn = false;                // BN statistics of the global batch
  LrScaling lr_scaling = LrScaling::none;
  double bucket_mb = 25.0;             // gradient bucket size
  bool overlap = true;                 // sum each bucket while backward still runs
  int64_t check_every_steps = 0;       // compare the ranks' parameter checksums; 0 = at the start only
  bool operator==(const DistributedConfig&) const = default;
};

struct Config {
  ModelConfig model{};
  DataConfig data{};
  OptimizerConfig optimizer{};
  ScheduleConfig schedule{};
  int epochs = 10;
  double label_smoothing = 0.0;
  int64_t seed = 0;
  int threads = 0;  // 0 = OpenMP's default
  Precision precision = Precision::f32;
  std::string output = "runs/run";
  CheckpointConfig checkpoint{};
  std::string resume{};  // "" | path | "auto"
  int64_t log_every_steps = 50;
  DistillConfig distill{};
  QatConfig qat{};
  PruneConfig prune{};
  BinarizeConfig binarize{};
  ShareConfig share{};
  DistributedConfig distributed{};
  bool operator==(const Config&) const = default;
};

// Reads a YAML config, applies overrides ("a.b=value", value parsed as a YAML scalar or flow
// sequence) to the tree, binds it and range-checks it. Every error is one line naming the file
// (or the --set argument), the key path, what was expected and what was found.
Config load_config(const std::string& path, const std::vector<std::string>& overrides = {});
// The same from YAML text; source_name stands in for the path in messages.
Config parse_config(const std::string& yaml_text, const std::string& source_name,
                    const std::vector<std::string>& overrides = {});

// Where a key was set, for messages: "run.yaml:12", "--set optimizer.lr=-1", or a source name.
using KeyOrigin = std::function<std::string(std::string_view key)>;

// Every key's own rule (lr > 0, batch_size >= 1, ...) and the checks between keys; throws
// one line naming where the key was set, the key, what was expected and what was found.
// parse_config and load_config call it; so may code that builds a Config itself.
void validate_config(const Config& config, const KeyOrigin& origin);
void validate_config(const Config& config, const std::string& source_name = "config");

// Every key, resolved: parse_config(to_yaml(c)) == c.
std::string to_yaml(const Config& config);

// Every leaf key path ("optimizer.lr", ...) in schema order.
std::vector<std::string> config_keys();
// The markdown table of keys, types, defaults and meanings that docs/config.md embeds.
std::string config_reference_markdown();

}  // namespace minnow
