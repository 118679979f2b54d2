// safetensors files: an 8-byte little-endian header length, a JSON header giving each
// tensor's dtype, shape and byte range, then the raw row-major data. The reader checks
// every bound and rejects duplicate names, holes, overlaps and unsupported dtypes; the
// writer always emits plain layouts. Atomic replacement (checkpoints) lives in train/.
#pragma once

#include <cstddef>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace minnow {

// An in-memory safetensors file. dtypes map F32->f32, BF16->bf16, I8->s8, U8->u8, I32->s32.
struct SafeTensors {
  std::map<std::string, std::string> metadata;          // the "__metadata__" object
  std::vector<std::pair<std::string, Tensor>> tensors;  // written in this order
  std::string source;  // where it was read from, for error messages; empty if built in memory

  const Tensor* find(std::string_view name) const;  // nullptr if absent
  const Tensor& at(std::string_view name) const;    // throws, naming the source and the tensor
};

// The file's bytes. Tensors in a blocked layout are reordered to plain row-major first.
std::string encode_safetensors(const SafeTensors& file);
// Parses bytes; source_name (usually the path) appears in every error message.
// A shape [] (scalar) is read as dims {1}.
SafeTensors decode_safetensors(std::span<const std::byte> bytes, const std::string& source_name);

// Plain write of the file (no temporary file or fsync); errors name the path.
void save_safetensors(const std::string& path, const SafeTensors& file);
SafeTensors load_safetensors(const std::string& path);

}  // namespace minnow
