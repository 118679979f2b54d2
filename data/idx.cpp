// IDX parsing: a 4-byte magic (0, 0, type, ndims), ndims big-endian u32 sizes,
// then the elements. Every count is checked against the bytes really present
// before anything is allocated from it, so a lying header cannot over-read.
#include "data/idx.h"

#include <algorithm>
#include <limits>

#include "core/error.h"
#include "data/gzip.h"
#include "data/read_file.h"

namespace minnow::data {
namespace {

constexpr size_t kMaxDecompressed = size_t{1} << 32;
constexpr int64_t kMaxSide = 1 << 16;

const char* idx_type_name(uint8_t type) {
  switch (type) {
    case 0x08: return "unsigned byte";
    case 0x09: return "signed byte";
    case 0x0B: return "short";
    case 0x0C: return "int";
    case 0x0D: return "float";
    case 0x0E: return "double";
    default: return "unknown";
  }
}

std::string hex_byte(uint8_t b) {
  const char* digits = "0123456789abcdef";
  return std::string{'0', 'x', digits[b >> 4], digits[b & 15]};
}

std::string dims_text(const std::vector<int64_t>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) out += (i ? ", " : "") + std::to_string(dims[i]);
  return out + "]";
}

IdxArray parse_plain_idx(std::span<const uint8_t> bytes, const std::string& name) {
  MINNOW_CHECK(bytes.size() >= 4, "idx: ", name, ": file is ", bytes.size(),
               " bytes, too short for the 4-byte IDX magic");
  MINNOW_CHECK(bytes[0] == 0 && bytes[1] == 0, "idx: ", name, ": bad magic ", hex_byte(bytes[0]), " ",
               hex_byte(bytes[1]), ", expected 0x00 0x00 (not an IDX file?)");
  const uint8_t type = bytes[2];
  MINNOW_CHECK(type == 0x08, "idx: ", name, ": element type ", hex_byte(type), " (", idx_type_name(type),
               "), expected 0x08 (unsigned byte)");
  const int ndims = bytes[3];
  MINNOW_CHECK(ndims >= 1 && ndims <= 4, "idx: ", name, ": ", ndims, " dimensions, expected 1 to 4");
  const size_t header = 4 + 4 * static_cast<size_t>(ndims);
  MINNOW_CHECK(bytes.size() >= header, "idx: ", name, ": truncated header: ", ndims, " dimensions need ",
               header, " bytes, file has ", bytes.size());
  IdxArray array;
  const size_t body = bytes.size() - header;
  size_t need = 1;
  bool over = false;  // need no longer fits in size_t; the body is then surely too short
  for (int i = 0; i < ndims; ++i) {
    const uint8_t* p = bytes.data() + 4 + 4 * i;
    const uint32_t d = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
    array.dims.push_back(d);
    if (d != 0 && need > std::numeric_limits<size_t>::max() / d) over = true;
    need = over ? need : need * d;
  }
  MINNOW_CHECK(!over && body >= need, "idx: ", name, ": truncated body: dims ", dims_text(array.dims), " need ",
               over ? std::string("more than 2^64") : std::to_string(need), " bytes after the header, got ",
               body);
  MINNOW_CHECK(body == need, "idx: ", name, ": ", body - need, " unexpected bytes after the body of dims ",
               dims_text(array.dims), " (expected ", need, " bytes, got ", body, ")");
  array.data.assign(bytes.begin() + static_cast<std::ptrdiff_t>(header), bytes.end());
  return array;
}

std::filesystem::path find_idx_file(const std::filesystem::path& root, const std::string& stem) {
  for (const char* suffix : {"", ".gz"}) {
    const auto path = root / (stem + suffix);
    if (std::filesystem::exists(path)) return path;
  }
  MINNOW_FAIL("idx: ", root.string(), ": found neither ", stem, " nor ", stem, ".gz");
}

}  // namespace

IdxArray parse_idx(std::span<const uint8_t> bytes, const std::string& name) {
  if (!is_gzip(bytes)) return parse_plain_idx(bytes, name);
  const std::vector<uint8_t> plain = gunzip(bytes, name, kMaxDecompressed);
  return parse_plain_idx(plain, name);
}

IdxDataset::IdxDataset(IdxArray images, IdxArray labels, const std::string& images_name,
                       const std::string& labels_name, int num_classes, std::vector<std::string> class_names)
    : class_names_(std::move(class_names)), images_name_(images_name) {
  const auto& d = images.dims;
  MINNOW_CHECK(d.size() == 3 || d.size() == 4, "idx: ", images_name, ": expected image dims (N, H, W) or ",
               "(N, H, W, C), got ", dims_text(d));
  MINNOW_CHECK(labels.dims.size() == 1, "idx: ", labels_name, ": expected label dims (N), got ",
               dims_text(labels.dims));
  const int64_t channels = d.size() == 4 ? d[3] : 1;
  MINNOW_CHECK(channels == 1 || channels == 3, "idx: ", images_name, ": ", channels,
               " channels, expected 1 or 3");
  MINNOW_CHECK(d[0] > 0, "idx: ", images_name, ": holds no images (dims ", dims_text(d), ")");
  MINNOW_CHECK(d[1] > 0 && d[2] > 0 && d[1] <= kMaxSide && d[2] <= kMaxSide, "idx: ", images_name,
               ": image size ", d[1], "x", d[2], ", expected sides in 1..", kMaxSide);
  MINNOW_CHECK(labels.dims[0] == d[0], "idx: ", images_name, " holds ", d[0], " images but ", labels_name,
               " holds ", labels.dims[0], " labels");
  height_ = static_cast<int>(d[1]);
  width_ = static_cast<int>(d[2]);
  channels_ = static_cast<int>(channels);

  const int max_label = *std::max_element(labels.data.begin(), labels.data.end());
  if (num_classes == 0) num_classes = class_names_.empty() ? max_label + 1 : static_cast<int>(class_names_.size());
  MINNOW_CHECK(num_classes > 0 && num_classes <= 256, "idx: num_classes ", num_classes, ", expected 1..256");
  MINNOW_CHECK(class_names_.empty() || class_names_.size() == static_cast<size_t>(num_classes), "idx: ",
               class_names_.size(), " class names given for ", num_classes, " classes");
  labels_.reserve(labels.data.size());
  for (size_t i = 0; i < labels.data.size(); ++i) {
    MINNOW_CHECK(labels.data[i] < num_classes, "idx: ", labels_name, ": label ", int{labels.data[i]},
                 " at index ", i, " out of range, expected 0..", num_classes - 1);
    labels_.push_back(labels.data[i]);
  }
  if (class_names_.empty()) {
    for (int c = 0; c < num_classes; ++c) class_names_.push_back(std::to_string(c));
  }
  pixels_ = std::move(images.data);
}

int32_t IdxDataset::label(int64_t index) const {
  check_index(index, size(), "idx");
  return labels_[static_cast<size_t>(index)];
}

std::optional<Sample> IdxDataset::get(int64_t index) const {
  check_index(index, size(), "idx");
  const size_t bytes = static_cast<size_t>(height_) * width_ * channels_;
  const auto first = pixels_.begin() + static_cast<std::ptrdiff_t>(bytes * static_cast<size_t>(index));
  Sample sample{.image = {.height = height_, .width = width_, .channels = channels_, .pixels = {}},
                .label = labels_[static_cast<size_t>(index)]};
  sample.image.pixels.assign(first, first + static_cast<std::ptrdiff_t>(bytes));
  return sample;
}

std::string IdxDataset::source(int64_t index) const {
  return images_name_ + " image " + std::to_string(index);
}

std::shared_ptr<IdxDataset> open_idx(const std::filesystem::path& root, Split split, int num_classes,
                                     std::vector<std::string> class_names) {
  const std::string prefix = split == Split::train ? "train" : "t10k";
  const auto images_path = find_idx_file(root, prefix + "-images-idx3-ubyte");
  const auto labels_path = find_idx_file(root, prefix + "-labels-idx1-ubyte");
  IdxArray images = parse_idx(read_file(images_path, "idx"), images_path.string());
  IdxArray labels = parse_idx(read_file(labels_path, "idx"), labels_path.string());
  return std::make_shared<IdxDataset>(std::move(images), std::move(labels), images_path.string(),
                                      labels_path.string(), num_classes, std::move(class_names));
}

}  // namespace minnow::data
