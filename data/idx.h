// IDX files (MNIST, Fashion-MNIST): the array parser, plain or gzip, and the
// image+label dataset built from an images file and a labels file. Only the
// unsigned-byte element type is read; other IDX types are refused by name.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "data/dataset.h"

namespace minnow::data {

struct IdxArray {
  std::vector<int64_t> dims;  // as stored, outermost first
  std::vector<uint8_t> data;  // product(dims) bytes, row-major
};

// Parses one IDX file held in memory, gunzipping first when it starts with the
// gzip magic. name appears in errors.
IdxArray parse_idx(std::span<const uint8_t> bytes, const std::string& name);

class IdxDataset : public Dataset {
 public:
  // images: (N, H, W) or (N, H, W, C) with C 1 or 3; labels: (N). Labels must
  // lie below num_classes (0: one more than the largest label). class_names
  // may be empty (then "0", "1", ...). The names are the files' names for errors.
  IdxDataset(IdxArray images, IdxArray labels, const std::string& images_name, const std::string& labels_name,
             int num_classes = 0, std::vector<std::string> class_names = {});

  int64_t size() const override { return static_cast<int64_t>(labels_.size()); }
  const std::vector<std::string>& class_names() const override { return class_names_; }
  int channels() const override { return channels_; }
  int32_t label(int64_t index) const override;
  std::optional<Sample> get(int64_t index) const override;
  std::string source(int64_t index) const override;

 private:
  std::vector<uint8_t> pixels_;  // (N, H, W, C)
  std::vector<int32_t> labels_;
  std::vector<std::string> class_names_;
  std::string images_name_;
  int height_ = 0;
  int width_ = 0;
  int channels_ = 0;
};

// The split of an MNIST-style folder: {train,t10k}-{images-idx3,labels-idx1}-ubyte,
// each plain or with .gz.
std::shared_ptr<IdxDataset> open_idx(const std::filesystem::path& root, Split split, int num_classes = 0,
                                     std::vector<std::string> class_names = {});

}  // namespace minnow::data
