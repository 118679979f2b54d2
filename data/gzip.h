// In-memory gzip decompression (zlib) for .gz dataset files. Truncated,
// corrupt or oversized streams raise a one-line error naming the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace minnow::data {

// True when bytes start with the gzip magic (1f 8b).
bool is_gzip(std::span<const uint8_t> bytes);

// The decompressed contents of a gzip stream (concatenated members allowed).
// name appears in errors; output over max_bytes is refused.
std::vector<uint8_t> gunzip(std::span<const uint8_t> bytes, const std::string& name, size_t max_bytes);

}  // namespace minnow::data
