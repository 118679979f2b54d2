// Whole-file reads for the dataset readers, with errors that name the file
// and the reason. Parsing the bytes is each format's job.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace minnow::data {

// The bytes of path; who ("cifar", "idx", ...) starts the error message.
std::vector<uint8_t> read_file(const std::filesystem::path& path, std::string_view who);

}  // namespace minnow::data
