// CIFAR binary records: label byte(s), then 1024 red, 1024 green and 1024 blue
// bytes of a 32x32 image in row order. Records are re-laid to (H, W, C) once,
// at load, so get() is a plain copy.
#include "data/cifar.h"

#include <algorithm>

#include "core/error.h"
#include "data/read_file.h"

namespace minnow::data {
namespace {

constexpr int kSide = 32;
constexpr size_t kPixels = kSide * kSide * 3;

const char* variant_name(CifarVariant variant) {
  return variant == CifarVariant::cifar10 ? "cifar10" : "cifar100";
}

}  // namespace

int cifar_num_classes(CifarVariant variant) {
  switch (variant) {
    case CifarVariant::cifar10: return 10;
    case CifarVariant::cifar100_fine: return 100;
    case CifarVariant::cifar100_coarse: return 20;
  }
  MINNOW_FAIL("cifar: unknown variant ", static_cast<int>(variant));
}

size_t cifar_record_bytes(CifarVariant variant) {
  return (variant == CifarVariant::cifar10 ? 1 : 2) + kPixels;
}

void append_cifar(std::span<const uint8_t> bytes, CifarVariant variant, const std::string& name,
                  CifarRecords& records) {
  const size_t record = cifar_record_bytes(variant);
  MINNOW_CHECK(!bytes.empty(), variant_name(variant), ": ", name, ": empty file, expected ", record,
               "-byte records");
  MINNOW_CHECK(bytes.size() % record == 0, variant_name(variant), ": ", name, ": size ", bytes.size(),
               " is not a multiple of the ", record, "-byte record (", bytes.size() / record,
               " records and ", bytes.size() % record, " bytes left over)");
  const size_t count = bytes.size() / record;
  const int classes = cifar_num_classes(variant);
  // CIFAR-100 stores the coarse label first, then the fine one.
  const size_t label_at = variant == CifarVariant::cifar100_fine ? 1 : 0;
  const size_t first = records.labels.size();
  records.files.emplace_back(static_cast<int64_t>(first), name);
  records.labels.reserve(first + count);
  records.pixels.resize((first + count) * kPixels);
  for (size_t r = 0; r < count; ++r) {
    const uint8_t* rec = bytes.data() + r * record;
    const int label = rec[label_at];
    MINNOW_CHECK(label < classes, variant_name(variant), ": ", name, ": record ", r, ": label ", label,
                 " out of range, expected 0..", classes - 1);
    records.labels.push_back(label);
    const uint8_t* planes = rec + (record - kPixels);
    uint8_t* out = records.pixels.data() + (first + r) * kPixels;
    for (size_t p = 0; p < kSide * kSide; ++p) {
      out[3 * p + 0] = planes[p];
      out[3 * p + 1] = planes[kSide * kSide + p];
      out[3 * p + 2] = planes[2 * kSide * kSide + p];
    }
  }
}

std::vector<std::string> parse_class_names(std::string_view text, int expected, const std::string& name) {
  std::vector<std::string> names;
  while (!text.empty()) {
    const size_t end = std::min(text.find('\n'), text.size());
    std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    if (!line.empty()) names.emplace_back(line);
  }
  MINNOW_CHECK(names.size() == static_cast<size_t>(expected), "cifar: ", name, ": ", names.size(),
               " class names, expected ", expected, " (one per line)");
  return names;
}

CifarDataset::CifarDataset(CifarRecords records, CifarVariant variant, std::vector<std::string> class_names)
    : records_(std::move(records)), class_names_(std::move(class_names)) {
  const int classes = cifar_num_classes(variant);
  MINNOW_CHECK(!records_.labels.empty(), variant_name(variant), ": no records");
  MINNOW_CHECK(records_.pixels.size() == records_.labels.size() * kPixels, variant_name(variant), ": ",
               records_.labels.size(), " labels but ", records_.pixels.size(), " pixel bytes");
  for (size_t i = 0; i < records_.labels.size(); ++i) {
    MINNOW_CHECK(records_.labels[i] >= 0 && records_.labels[i] < classes, variant_name(variant), ": label ",
                 records_.labels[i], " at index ", i, " out of range, expected 0..", classes - 1);
  }
  if (class_names_.empty()) {
    for (int c = 0; c < classes; ++c) class_names_.push_back(std::to_string(c));
  }
  MINNOW_CHECK(class_names_.size() == static_cast<size_t>(classes), variant_name(variant), ": ",
               class_names_.size(), " class names, expected ", classes);
}

int32_t CifarDataset::label(int64_t index) const {
  check_index(index, size(), "cifar");
  return records_.labels[static_cast<size_t>(index)];
}

std::optional<Sample> CifarDataset::get(int64_t index) const {
  check_index(index, size(), "cifar");
  const auto first = records_.pixels.begin() + static_cast<std::ptrdiff_t>(kPixels * static_cast<size_t>(index));
  Sample sample{.image = {.height = kSide, .width = kSide, .channels = 3, .pixels = {}},
                .label = records_.labels[static_cast<size_t>(index)]};
  sample.image.pixels.assign(first, first + static_cast<std::ptrdiff_t>(kPixels));
  return sample;
}

std::string CifarDataset::source(int64_t index) const {
  check_index(index, size(), "cifar");
  auto it = std::upper_bound(records_.files.begin(), records_.files.end(), index,
                             [](int64_t i, const auto& file) { return i < file.first; });
  if (it == records_.files.begin()) return "cifar record " + std::to_string(index);
  --it;
  return it->second + " record " + std::to_string(index - it->first);
}

std::shared_ptr<CifarDataset> open_cifar(const std::filesystem::path& root, CifarVariant variant, Split split,
                                         std::vector<std::string> class_names) {
  std::vector<std::string> files;
  std::string meta;
  if (variant == CifarVariant::cifar10) {
    if (split == Split::train) {
      for (int b = 1; b <= 5; ++b) files.push_back("data_batch_" + std::to_string(b) + ".bin");
    } else {
      files.push_back("test_batch.bin");
    }
    meta = "batches.meta.txt";
  } else {
    files.push_back(split == Split::train ? "train.bin" : "test.bin");
    meta = variant == CifarVariant::cifar100_fine ? "fine_label_names.txt" : "coarse_label_names.txt";
  }
  std::filesystem::path folder = root;
  if (std::filesystem::is_regular_file(root)) {
    MINNOW_CHECK(files.size() == 1, variant_name(variant), ": ", root.string(), " is a file, but this split has ",
                 files.size(), " batch files; expected the folder holding them");
    files = {root.filename().string()};
    folder = root.parent_path();
  }
  CifarRecords records;
  for (const auto& file : files) {
    const auto path = folder / file;
    append_cifar(read_file(path, variant_name(variant)), variant, path.string(), records);
  }
  std::vector<std::string> names = std::move(class_names);
  const auto meta_path = folder / meta;
  if (names.empty() && std::filesystem::exists(meta_path)) {
    const auto text = read_file(meta_path, variant_name(variant));
    names = parse_class_names(std::string_view(reinterpret_cast<const char*>(text.data()), text.size()),
                              cifar_num_classes(variant), meta_path.string());
  }
  return std::make_shared<CifarDataset>(std::move(records), variant, std::move(names));
}

}  // namespace minnow::data
