// The bodies of the libFuzzer targets for the files the train layer reads and a user
// may not have written: safetensors weights, training checkpoints and YAML configs.
// Header-only, as fuzz/harness.h, so tests/train/test_fuzz_regression.cpp replays
// crash inputs through exactly this code. Each returns the minnow::Error message when
// the input is rejected and "" when it is accepted; anything else is a bug.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/safetensors.h"
#include "fuzz/rejection.h"
#include "models/layers.h"
#include "models/sequential.h"
#include "train/checkpoint.h"
#include "train/config.h"
#include "train/optimizer.h"
#include "train/weights_file.h"

namespace minnow::fuzz {

// The model the checkpoint target restores into, small enough for a checkpoint of a few
// KiB: conv 1->2 (3x3) "0", BN "1", dropout "2" (metadata "rng.2"), linear 2->3 "3".
inline std::shared_ptr<Sequential> tiny_model() {
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<Conv2d>(Conv2d::Options{.in = 1, .out = 2, .kernel = 3}));
  model->add(std::make_shared<BatchNorm2d>(BatchNorm2d::Options{.channels = 2}));
  model->add(std::make_shared<Dropout>(Dropout::Options{.p = 0.5f}));
  model->add(std::make_shared<Linear>(Linear::Options{.in = 2, .out = 3}));
  return model;
}

// Same names, dtypes, dims and bytes, and the same metadata.
inline bool same_content(const SafeTensors& a, const SafeTensors& b) {
  if (a.metadata != b.metadata || a.tensors.size() != b.tensors.size()) return false;
  for (size_t i = 0; i < a.tensors.size(); ++i) {
    const auto& [name, t] = a.tensors[i];
    const auto& [other_name, u] = b.tensors[i];
    if (name != other_name || t.dtype() != u.dtype() || t.dims() != u.dims() || t.bytes() != u.bytes()) return false;
    if (std::memcmp(t.raw(), u.raw(), t.bytes()) != 0) return false;
  }
  return true;
}

// A safetensors file: decoding, then what was accepted must come back unchanged through
// the writer, and the model section an export or checkpoint records must read cleanly.
inline std::string run_safetensors(std::span<const uint8_t> input) {
  SafeTensors file;
  try {
    file = decode_safetensors(std::as_bytes(input), "fuzz.safetensors");
  } catch (const Error& e) {
    return rejection(e);
  }
  try {
    const std::string written = encode_safetensors(file);
    if (!same_content(file, decode_safetensors(std::as_bytes(std::span(written)), "round trip"))) __builtin_trap();
  } catch (const Error&) {
    __builtin_trap();
  }
  try {
    (void)recorded_model_config(file, "fuzz.safetensors");
  } catch (const Error& e) {
    return rejection(e);
  }
  return "";
}

// First byte: knobs. Bit 0 skips the checksum, as if whoever wrote the file had sealed it,
// so the fuzzer reaches the checks behind it; bit 1 restores optimizer state too, into SGD
// (bit 2 clear) or AdamW (bit 2 set). The rest: a checkpoint file, restored into
// tiny_model() after its config is read, as `minnow export` does.
inline std::string run_checkpoint(std::span<const uint8_t> input) {
  if (input.empty()) return "";
  const uint8_t knobs = input[0];
  const std::string name = "fuzz.safetensors";
  try {
    SafeTensors file = decode_safetensors(std::as_bytes(input.subspan(1)), name);
    if ((knobs & 1) == 0) verify_checkpoint_checksum(file, name);
    (void)checkpoint_config(file, name);
    const auto model = tiny_model();
    std::unique_ptr<Optimizer> optimizer;
    if (knobs & 2) {
      NamedParams params;
      for (const auto& p : model->named_parameters()) params.emplace_back(p.name, p.var);
      optimizer = make_optimizer({.name = (knobs & 4) ? OptimizerKind::adamw : OptimizerKind::sgd}, params);
    }
    (void)restore_checkpoint(std::move(file), name, *model, optimizer.get());
  } catch (const Error& e) {
    return rejection(e);
  }
  return "";
}

// YAML text up to the first NUL byte; each further NUL-separated piece is one `--set`
// override. An accepted config must read back unchanged from to_yaml, the form a
// checkpoint stores it in.
inline std::string run_config(std::span<const uint8_t> input) {
  const std::string_view all(reinterpret_cast<const char*>(input.data()), input.size());
  const size_t end = all.find('\0');
  std::vector<std::string> overrides;
  for (size_t at = end; at != std::string_view::npos;) {
    const size_t next = all.find('\0', at + 1);
    overrides.emplace_back(all.substr(at + 1, next == std::string_view::npos ? std::string_view::npos : next - at - 1));
    at = next;
  }
  Config config;
  try {
    config = parse_config(std::string(all.substr(0, end)), "fuzz.yaml", overrides);
  } catch (const Error& e) {
    return rejection(e);
  }
  try {
    if (parse_config(to_yaml(config), "round trip") != config) __builtin_trap();
  } catch (const Error&) {
    __builtin_trap();
  }
  return "";
}

}  // namespace minnow::fuzz
