// CIFAR-10 and CIFAR-100 in their binary versions: the record parser over
// in-memory bytes, the class-name file parser, and the dataset that holds
// every record decoded to (32, 32, 3) images.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "data/dataset.h"

namespace minnow::data {

// CIFAR-10 (label byte + 3072 pixels), or CIFAR-100 (coarse byte, fine byte,
// 3072 pixels) read with its fine (100) or coarse (20) labels.
enum class CifarVariant { cifar10, cifar100_fine, cifar100_coarse };

int cifar_num_classes(CifarVariant variant);
size_t cifar_record_bytes(CifarVariant variant);

struct CifarRecords {
  std::vector<uint8_t> pixels;  // (N, 32, 32, 3)
  std::vector<int32_t> labels;  // N
  // Where each file's records start, for messages: (first index, file name).
  std::vector<std::pair<int64_t, std::string>> files;
};

// Appends the records of one .bin file held in memory; name appears in errors.
void append_cifar(std::span<const uint8_t> bytes, CifarVariant variant, const std::string& name,
                  CifarRecords& records);

// One class name per non-empty line (batches.meta.txt, fine_label_names.txt,
// coarse_label_names.txt); exactly expected of them.
std::vector<std::string> parse_class_names(std::string_view text, int expected, const std::string& name);

class CifarDataset : public Dataset {
 public:
  // class_names: empty gives "0", "1", ...
  CifarDataset(CifarRecords records, CifarVariant variant, std::vector<std::string> class_names = {});

  int64_t size() const override { return static_cast<int64_t>(records_.labels.size()); }
  const std::vector<std::string>& class_names() const override { return class_names_; }
  int channels() const override { return 3; }
  int32_t label(int64_t index) const override;
  std::optional<Sample> get(int64_t index) const override;
  std::string source(int64_t index) const override;

 private:
  CifarRecords records_;
  std::vector<std::string> class_names_;
};

// Reads a split from the extracted folder: cifar-10-batches-bin (data_batch_1..5.bin,
// test_batch.bin, batches.meta.txt) or cifar-100-binary (train.bin, test.bin,
// fine_label_names.txt, coarse_label_names.txt). A split held in one file (all but
// CIFAR-10's training batches) may also be named by that file's path. Class names are
// class_names when given, else the meta file's beside the batches when it is present.
std::shared_ptr<CifarDataset> open_cifar(const std::filesystem::path& root, CifarVariant variant, Split split,
                                         std::vector<std::string> class_names = {});

}  // namespace minnow::data
