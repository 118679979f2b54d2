// Checkpoint files on disk (DESIGN.md section 8): an atomic replace (temporary file in the
// same folder, fsync, rename over the target, fsync the folder) and safetensors files that
// carry a CRC-32 of their content in metadata, so truncation and bit flips are reported.
// What goes into a checkpoint (weights, optimizer state, RNG, config) is the trainer's.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/safetensors.h"

namespace minnow {

struct AtomicWriteOptions {
  // Called with the temporary file's path once it is written and fsynced, just before the
  // rename. If it throws, the temporary file is removed and the target is left untouched.
  // For failure-injection tests.
  std::function<void(const std::string& temp_path)> before_rename;
};

// Replaces path with bytes atomically: a reader sees the old file or the new one, never a
// mix, even across a crash. Errors name the path and the failing system call.
void write_file_atomic(const std::string& path, std::string_view bytes, const AtomicWriteOptions& options = {});

// The metadata key holding the checksum, as 8 lowercase hex digits.
inline constexpr std::string_view kChecksumKey = "content_crc32";

// CRC-32 (zlib) over the metadata other than kChecksumKey and every tensor's name, dtype,
// dims and plain row-major bytes, in file order.
uint32_t content_checksum(const SafeTensors& file);

// Writes file (tensors reordered to plain, checksum added to metadata) with write_file_atomic.
void write_checkpoint_file(const std::string& path, const SafeTensors& file, const AtomicWriteOptions& options = {});
// Reads and verifies a checkpoint file: structure (safetensors), then the checksum.
// Every error names the path.
SafeTensors read_checkpoint_file(const std::string& path);
// The checksum half of read_checkpoint_file, for a file already decoded; source names it.
void verify_checkpoint_checksum(const SafeTensors& file, const std::string& source);

}  // namespace minnow
