// Helpers for the data tests: generators for files in the exact CIFAR, IDX,
// gzip and image formats, and a check that a call fails with a message
// holding given fragments.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.h"
#include "data/cifar.h"
#include "data/image.h"
#include "tests/support/errors.h"

namespace minnow::testing {

using Bytes = std::vector<uint8_t>;

void write_file(const std::filesystem::path& path, const Bytes& bytes);
void write_text(const std::filesystem::path& path, const std::string& text);

// n CIFAR records whose labels are (i * 7) % classes (fine: i % 100,
// coarse: i % 20 for CIFAR-100) and whose pixels are (i + plane * 3 + p) % 251.
Bytes cifar_bytes(data::CifarVariant variant, int n, int first_index = 0);
uint8_t cifar_pixel(int record, int plane, int p);

// An in-memory CIFAR-10 dataset of n cifar_bytes records.
std::shared_ptr<const data::Dataset> cifar_dataset(int n);

// An IDX file of unsigned bytes: magic, big-endian dims, then data.
Bytes idx_bytes(const std::vector<uint32_t>& dims, const Bytes& data);
// n random 28x28 images' bytes, and n labels i % 10, for IDX files.
Bytes random_idx_images(int n, Rng& rng);
Bytes cyclic_labels(int n);
// Writes root/<prefix>-images-idx3-ubyte (n random_idx_images) and root/<prefix>-labels-idx1-ubyte
// (cyclic_labels); prefix is "train" or "t10k". Returns the pixels.
Bytes write_random_idx(const std::filesystem::path& root, const std::string& prefix, int n, Rng& rng);
// bytes wrapped in a gzip stream.
Bytes gzip_bytes(const Bytes& bytes);

// A test image whose pixel (y, x, c) is (y * 7 + x * 3 + c * 50) % 256.
data::Image pattern_image(int height, int width, int channels);
// stb_image_write encodes; format is "png", "jpg" or "bmp".
Bytes encode_image(const data::Image& image, const std::string& format);

using test_support::expect_error;

}  // namespace minnow::testing
