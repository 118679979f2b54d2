// The one list of config keys: visit_config() names each key, the member it binds and its
// meaning, in the order to_yaml() writes them. Binding, writing and the docs table all walk it.
// Each member type's YAML text and docs name is in config_values.h. Internal to train/.
#pragma once

#include <algorithm>
#include <array>
#include <charconv>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "core/error.h"
#include "data/transform.h"
#include "train/config.h"
#include "train/config_rules.h"
#include "train/config_values.h"

namespace minnow::config_detail {

// The predicates of the rules that are more than a range.
// "teacher_layer:student_layer": two non-empty names around one colon.
inline bool is_feature_pair(const std::string& pair) {
  const size_t colon = pair.find(':');
  return colon != std::string::npos && colon > 0 && colon + 1 < pair.size() &&
         pair.find(':', colon + 1) == std::string::npos;
}
// "layer:channels[:unitmask]": a non-empty name, a colon, a positive integer, and optionally a
// colon and lower-case hex digits.
inline bool is_channel_count(const std::string& entry) {
  const size_t colon = entry.find(':');
  if (colon == std::string::npos || colon == 0) return false;
  int64_t count = 0;
  const char* begin = entry.data() + colon + 1;
  const char* end = entry.data() + entry.size();
  const auto [ptr, ec] = std::from_chars(begin, end, count);
  if (ec != std::errc{} || ptr == begin || count <= 0) return false;
  if (ptr == end) return true;
  return *ptr == ':' && ptr + 1 < end &&
         std::all_of(ptr + 1, end, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}
// [low, high] with 0 < low <= high, and high <= 1 for a fraction of the image's area.
inline bool is_area_range(const std::array<double, 2>& s) { return s[0] > 0 && s[0] <= s[1] && s[1] <= 1; }
inline bool is_ratio_range(const std::array<double, 2>& r) { return r[0] > 0 && r[0] <= r[1]; }
inline bool are_decay_rates(const std::array<double, 2>& b) { return b[0] >= 0 && b[0] < 1 && b[1] >= 0 && b[1] < 1; }
inline bool all_positive(const std::vector<double>& v) {
  return std::all_of(v.begin(), v.end(), [](double x) { return x > 0; });
}
inline bool is_epoch_sequence(const std::vector<int>& m) {
  return (m.empty() || m.front() >= 1) && std::adjacent_find(m.begin(), m.end(), std::greater_equal<>()) == m.end();
}

// Calls visit(key, member, doc, rule) for every key: the member it binds, its meaning and
// the constraint on its value (config_rules.h). C is Config or const Config.
template <class C, class Visit>
void visit_config(C& c, Visit&& visit) {
  auto& m = c.model;
  visit("model.name", m.name, "Zoo model to train (mobilenet_v1, mobilenet_v2, shufflenet_v1, shufflenet_v2_x1_0, "
                              "squeezenet1_1, ...). Required.",
        required("a zoo model name such as mobilenet_v2 (the key is required)"));
  visit("model.width", m.width, "Width multiplier on every layer's channels.", positive());
  visit("model.resolution", m.resolution, "Input side in pixels; images are brought to this size.",
        between(1, data::kMaxTransformSide));
  visit("model.num_classes", m.num_classes, "Classifier outputs.", at_least(1));
  visit("model.in_channels", m.in_channels, "Input image channels (1 grey, 3 RGB).", at_least(1));
  visit("model.small_input", m.small_input, "CIFAR-style stem for small inputs (fewer early strides).", any());
  visit("model.dropout", m.dropout,
        "Dropout probability before the classifier (mobilenet_v3_*: before its last Linear); 0 disables "
        "it; null = the model's own (0.2 for mobilenet_v2, mobilenet_v3_*, mnasnet*, efficientnet_b0 and "
        "googlenet, 0.5 for squeezenet* and xception, 0 for the others).",
        unset_or(fraction(), "a value in [0, 1), or null for the model's own"));
  visit("model.stochastic_depth", m.stochastic_depth,
        "EfficientNet's stochastic depth: block i of n drops its residual branch per sample with "
        "probability stochastic_depth * i / n; 0 disables it; null = the model's own (0.2). Other "
        "models have none.",
        unset_or(fraction(), "a value in [0, 1), or null for the model's own"));
  visit("model.bn_momentum", m.bn_momentum,
        "Every batch norm's running-statistics momentum (running = (1 - m) running + m batch); null = "
        "the model's own (0.1; mobilenet_v3_* 0.01; mnasnet* 3e-4, which suits ImageNet-length runs only).",
        unset_or(interval(0, true, 1, false, "(0, 1]"), "a value in (0, 1], or null for the model's own"));
  visit("model.groups", m.groups, "Group count of ShuffleNet v1's grouped 1x1 convolutions.", at_least(1));
  visit("model.channels", m.channels,
        "Channel pruning's plan, written by `minnow prune` and `minnow adapt`: \"layer:channels\" entries, each "
        "the output channels of the first conv of a prunable channel group, with \":unitmask\" (hex) where "
        "the kept units are not its first ones (docs/compression.md). Empty = the zoo's widths.",
        each(rule("entries \"layer:channels[:unitmask]\" with a positive count", is_channel_count)));
  visit("model.init_weights", m.init_weights,
        "safetensors file (minnow export, checkpoint or torchvision state dict) to start from; \"\" = random init.",
        any());

  auto& d = c.data;
  visit("data.format", d.format,
        "Dataset format: CIFAR binary batches, IDX (MNIST-style) or a folder of class folders.",
        any());
  visit("data.train", d.train, "Training file(s) or folder. Required. One path may be given without a list.",
        required("at least one path (the key is required)"));
  visit("data.test", d.test,
        "Test data: a folder of class folders (folder format), the folder holding the test batch or the "
        "batch file itself (test_batch.bin, test.bin; CIFAR), or the folder holding the t10k files (IDX). "
        "Empty: CIFAR and IDX test on data.train's test split, the folder format tests on nothing.", any());
  visit("data.val_split", d.val_split, "Fraction of the training set held out for validation (0 = none).", fraction());
  visit("data.cifar100_label", d.cifar100_label, "CIFAR-100 label kind: 100 fine or 20 coarse classes.", any());
  visit("data.class_names", d.class_names,
        "IDX and CIFAR: the name of each class, one per label, shown by minnow predict (CIFAR's meta file "
        "otherwise; IDX files name none). The folder format's classes are named by its folders.", any());
  visit("data.batch_size", d.batch_size, "Images per training step.", at_least(1));
  visit("data.workers", d.workers, "Loader threads decoding and transforming images.", at_least(0));
  visit("data.prefetch", d.prefetch, "Batches prepared ahead of the trainer.", at_least(1));
  visit("data.cache", d.cache, "Keep decoded images in memory after the first epoch.", any());
  visit("data.on_bad_image", d.on_bad_image, "An unreadable image stops the run (error) or is left out (skip).", any());
  visit("data.max_pixels", d.max_pixels, "Largest image (width x height) the loader decodes.", at_least(1));
  visit("data.jpeg_partial_decode", d.jpeg_partial_decode,
        "Decode only what the transforms read of a JPEG file: a random-resized crop's region, and at 1/2, 1/4 "
        "or 1/8 of the size, in the DCT domain, wherever the transforms still read at least one source pixel "
        "per output pixel (faster; scaled pixels differ slightly from a full-size decode).", any());
  visit("data.drop_last", d.drop_last, "Drop the last incomplete training batch.", any());

  auto& t = d.transforms;
  visit("data.transforms.resize", t.resize,
        "Resize the shorter side to this many pixels before the crop; 0 = to the crop's side "
        "(data.transforms.crop, else model.resolution), so that any image reaches the model whole. "
        "A random_resized_crop takes the image as it is unless resize is set.", between(0, data::kMaxTransformSide));
  visit("data.transforms.crop", t.crop, "Centre crop to this side; 0 = off.", between(0, data::kMaxTransformSide));
  visit("data.transforms.random_resized_crop.enabled", t.random_resized_crop.enabled,
        "Training only: random crop of random area and aspect, resized to model.resolution.", any());
  visit("data.transforms.random_resized_crop.scale", t.random_resized_crop.scale,
        "Range of the crop's area as a fraction of the image.",
        rule("[low, high] with 0 < low <= high <= 1", is_area_range));
  visit("data.transforms.random_resized_crop.ratio", t.random_resized_crop.ratio,
        "Range of the crop's aspect ratio (width / height).",
        rule("[low, high] with 0 < low <= high", is_ratio_range));
  visit("data.transforms.random_crop_padding", t.random_crop_padding,
        "Training only: zero-pad by this many pixels, then crop back at a random place; 0 = off.", at_least(0));
  visit("data.transforms.hflip", t.hflip, "Training only: flip horizontally with probability 0.5.", any());
  visit("data.transforms.mean", t.mean, "Per-channel mean subtracted from [0, 1] pixels; empty = none.", any());
  visit("data.transforms.std", t.std, "Per-channel standard deviation divided out; empty = none.",
        rule("values > 0", all_positive));
  visit("data.transforms.color_jitter.brightness", t.color_jitter.brightness,
        "Training only: brightness factor drawn from [1 - b, 1 + b]; 0 = off.", non_negative());
  visit("data.transforms.color_jitter.contrast", t.color_jitter.contrast,
        "Training only: contrast factor drawn from [1 - c, 1 + c]; 0 = off.", non_negative());
  visit("data.transforms.color_jitter.saturation", t.color_jitter.saturation,
        "Training only: saturation factor drawn from [1 - s, 1 + s]; 0 = off.", non_negative());

  auto& o = c.optimizer;
  visit("optimizer.name", o.name, "SGD (PyTorch semantics) or AdamW (decoupled weight decay).", any());
  visit("optimizer.lr", o.lr, "Base learning rate; the schedule scales it.", positive());
  visit("optimizer.momentum", o.momentum, "SGD momentum.", fraction());
  visit("optimizer.nesterov", o.nesterov, "SGD Nesterov momentum (needs momentum > 0).", any());
  visit("optimizer.weight_decay", o.weight_decay, "L2 penalty for SGD; decoupled decay for AdamW.", non_negative());
  visit("optimizer.no_decay_bn_bias", o.no_decay_bn_bias,
        "Exempt 1-D parameters (BN weights and biases, layer biases) from weight decay.", any());
  visit("optimizer.betas", o.betas, "AdamW moment decay rates.",
        rule("two values in [0, 1)", are_decay_rates));
  visit("optimizer.eps", o.eps, "AdamW denominator term.", positive());
  visit("optimizer.grad_clip_norm", o.grad_clip_norm, "Clip the global L2 norm of all gradients to this; 0 = off.",
        non_negative());

  auto& s = c.schedule;
  visit("schedule.name", s.name, "Learning-rate schedule after warmup.", any());
  visit("schedule.warmup_epochs", s.warmup_epochs, "Linear warmup length in epochs (fractions allowed).",
        non_negative());
  visit("schedule.warmup_steps", s.warmup_steps, "Linear warmup length in steps (instead of warmup_epochs).",
        at_least(0));
  visit("schedule.warmup_start_factor", s.warmup_start_factor,
        "Warmup starts at this fraction of the post-warmup learning rate.", interval(0, true, 1, false, "(0, 1]"));
  visit("schedule.step_size", s.step_size, "step: multiply by gamma every step_size epochs.", at_least(1));
  visit("schedule.milestones", s.milestones, "multistep: epochs at which to multiply by gamma.",
        rule("strictly increasing epochs >= 1", is_epoch_sequence));
  visit("schedule.gamma", s.gamma, "step and multistep: decay factor.", interval(0, true, 1, false, "(0, 1]"));
  visit("schedule.min_lr", s.min_lr, "cosine: learning rate at the end.", any());
  visit("schedule.max_lr", s.max_lr, "onecycle: peak learning rate; 0 = optimizer.lr.", non_negative());
  visit("schedule.pct_start", s.pct_start, "onecycle: fraction of the steps spent rising.",
        interval(0, true, 1, true, "(0, 1)"));
  visit("schedule.div_factor", s.div_factor, "onecycle: start at max_lr / div_factor.", positive());
  visit("schedule.final_div_factor", s.final_div_factor, "onecycle: end at max_lr / div_factor / final_div_factor.",
        positive());

  visit("epochs", c.epochs, "Training epochs.", at_least(1));
  visit("label_smoothing", c.label_smoothing, "Cross-entropy label smoothing.", fraction());
  visit("seed", c.seed, "Seed of every random stream (init, shuffle, augmentation, dropout).", at_least(0));
  visit("threads", c.threads,
        "Compute threads per process; 0 = OpenMP's default, or under mpirun the node's cores divided by the "
        "ranks on that node.", at_least(0));
  visit("precision", c.precision,
        "f32, or bf16: mixed precision (convolutions, pooling, activations and BN's data in bf16; weights, "
        "optimizer state, BN statistics, classifier and loss in f32); needs a CPU with AVX512-BF16 or AMX.", any());
  visit("output", c.output, "Run folder for checkpoints, metrics and the resolved config.", required("a folder path"));
  visit("checkpoint.every_epochs", c.checkpoint.every_epochs, "Write last.safetensors every this many epochs.",
        at_least(1));
  visit("checkpoint.keep_best", c.checkpoint.keep_best, "Also keep best.safetensors, by validation top-1.", any());
  visit("checkpoint.every_steps", c.checkpoint.every_steps, "Also checkpoint every this many steps; 0 = off.",
        at_least(0));
  visit("resume", c.resume, "\"\" = fresh run, a checkpoint path, or \"auto\" (the run folder's last checkpoint).",
        any());
  visit("log_every_steps", c.log_every_steps, "Log a progress line and a metrics.jsonl record every this many steps.",
        at_least(1));

  auto& k = c.distill;
  visit("distill.enabled", k.enabled, "Distil a teacher into the model.", any());
  visit("distill.teacher.model", k.teacher.model, "Teacher zoo model. Required when distilling.", any());
  visit("distill.teacher.width", k.teacher.width, "Teacher width multiplier.", positive());
  visit("distill.teacher.resolution", k.teacher.resolution,
        "Teacher input side; the batch is resized to it bilinearly when it differs; 0 = the student's.",
        between(0, data::kMaxTransformSide));
  visit("distill.teacher.weights", k.teacher.weights,
        "Teacher weights: a minnow export, checkpoint or state dict; the classes, input channels and stem an "
        "export records are used. Required when distilling.", any());
  visit("distill.temperature", k.temperature, "Softmax temperature of the distillation loss.", positive());
  visit("distill.alpha", k.alpha,
        "Weight of the soft loss T^2 KL(teacher || student); 1 - alpha weighs the label loss.",
        interval(0, false, 1, false, "[0, 1]"));
  visit("distill.features", k.features,
        "Feature (hint) pairs \"teacher_layer:student_layer\" (dotted module names); the student's output "
        "goes through a learnt 1x1 conv + BN adapter and is matched to the teacher's by MSE. Empty = logits only.",
        each(rule("entries \"teacher_layer:student_layer\"", is_feature_pair)));
  visit("distill.beta", k.beta, "Weight of the feature losses, summed over the pairs.", non_negative());

  auto& q = c.qat;
  visit("qat.enabled", q.enabled, "Quantization-aware training with fake quantization.", any());
  visit("qat.weight_bits", q.weight_bits, "Weight bits.", between(2, 8));
  visit("qat.activation_bits", q.activation_bits, "Activation bits.", between(2, 8));
  visit("qat.per_channel", q.per_channel, "Per-output-channel weight scales (else per tensor).", any());
  visit("qat.lsq", q.lsq, "Learn the quantization scales (LSQ) instead of observing them.", any());
  visit("qat.freeze_bn_epoch", q.freeze_bn_epoch, "Epoch from which BN uses running statistics; -1 = never.",
        at_least(-1));
  visit("qat.freeze_observer_epoch", q.freeze_observer_epoch,
        "Epoch from which observers stop updating scales; -1 = never.", at_least(-1));
  visit("qat.observer_momentum", q.observer_momentum, "EMA weight of each batch's activation min/max.",
        interval(0, true, 1, false, "(0, 1]"));

  auto& p = c.prune;
  visit("prune.enabled", p.enabled, "Gradual unstructured pruning of conv and linear weights (docs/compression.md).",
        any());
  visit("prune.method", p.method, "Which weights go: the smallest by magnitude.", any());
  visit("prune.scope", p.scope,
        "layer: each pruned weight loses the scheduled fraction; global: one magnitude threshold over all of them.",
        any());
  visit("prune.target_sparsity", p.target_sparsity, "Fraction of the pruned weights that are zero at the end.",
        fraction());
  visit("prune.initial_sparsity", p.initial_sparsity, "Fraction pruned at the first pruning step.", fraction());
  visit("prune.start_epoch", p.start_epoch, "Epoch (from 0) whose first step prunes first.", at_least(0));
  visit("prune.end_epoch", p.end_epoch,
        "Epoch (from 0) by whose first step target_sparsity is reached; the masks stay fixed from then on.",
        at_least(1));
  visit("prune.every_steps", p.every_steps, "Steps between mask updates.", at_least(1));
  visit("prune.exclude", p.exclude,
        "Dotted module-name prefixes (\"features.0\") or parameter names (\"classifier.1.weight\") left dense; "
        "every other Conv2d and Linear weight is pruned. Each must name something in the model.",
        each(rule("non-empty names", [](const std::string& name) { return !name.empty(); })));

  auto& b = c.binarize;
  visit("binarize.enabled", b.enabled,
        "XNOR-Net binarization: each binarized Conv2d / Linear computes with alpha * sign(w), alpha = mean |w| per "
        "output channel; the float weights train through the straight-through estimator.", any());
  visit("binarize.activations", b.activations,
        "Also binarize those layers' inputs to sign(x) (XNOR-Net); false = weights only (BinaryConnect-style).", any());
  visit("binarize.keep_first_last", b.keep_first_last,
        "Leave the model's first and last Conv2d / Linear (stem and classifier) in full precision.", any());
  visit("binarize.exclude", b.exclude, "Dotted names of further Conv2d / Linear layers to leave in full precision.",
        each(rule("non-empty layer names", [](const std::string& name) { return !name.empty(); })));

  auto& sh = c.share;
  visit("share.enabled", sh.enabled,
        "Weight sharing (Deep Compression): each Conv2d/Linear weight clustered by k-means into 2^bits trained "
        "centroids; zero (pruned) weights keep a pinned zero.", any());
  visit("share.bits", sh.bits, "Index bits per weight: 2^bits centroids per layer.", between(1, 8));
  visit("share.exclude", sh.exclude, "Dotted names of Conv2d/Linear layers kept in float.", any());
  visit("share.start_epoch", sh.start_epoch,
        "Epoch at whose start the weights are clustered; before it they train as floats (0 = from the start).",
        at_least(0));

  auto& dp = c.distributed;
  visit("distributed.world_size", dp.world_size,
        "Ranks (mpirun -np N); 0 = as many as the launcher started, else it must equal that. A run on several "
        "ranks records its N in the run folder's config.yaml.", at_least(0));
  visit("distributed.sync_bn", dp.sync_bn,
        "BatchNorm statistics of the global batch, summed over the ranks in forward and backward; false = each "
        "rank's own (the running statistics are averaged over the ranks after every step).", any());
  visit("distributed.lr_scaling", dp.lr_scaling,
        "The scheduled learning rate times N (linear), sqrt(N) (sqrt) or 1 (none); data.batch_size is per rank.",
        any());
  visit("distributed.bucket_mb", dp.bucket_mb, "Gradients are summed in buckets of about this many MB.",
        interval(0, true, 1024, false, "(0, 1024]"));
  visit("distributed.overlap", dp.overlap,
        "Start each bucket's sum while backward still runs (false: all buckets after backward).", any());
  visit("distributed.check_every_steps", dp.check_every_steps,
        "Compare a checksum of every rank's parameters and buffers every this many steps; 0 = at the start only.",
        at_least(0));
}


}  // namespace minnow::config_detail
