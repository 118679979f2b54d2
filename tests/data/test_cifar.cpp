// CIFAR-10 and CIFAR-100 readers on generated files in the exact binary
// formats, class names from the meta files, and every malformed-input error.
#include <gtest/gtest.h>

#include "data/cifar.h"
#include "tests/data/data_files.h"
#include "tests/support/scratch_dir.h"

namespace minnow {
namespace {

using data::CifarVariant;
using testing::cifar_bytes;
using testing::cifar_pixel;
using testing::expect_error;
using testing::ScratchDir;

const char* kCifar10Names = "airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";

void expect_record(const data::Dataset& dataset, int64_t index, int record, int32_t label) {
  const auto sample = dataset.get(index);
  ASSERT_TRUE(sample.has_value());
  EXPECT_EQ(sample->label, label);
  ASSERT_EQ(sample->image.height, 32);
  ASSERT_EQ(sample->image.width, 32);
  ASSERT_EQ(sample->image.channels, 3);
  for (int p : {0, 1, 33, 500, 1023}) {
    for (int c = 0; c < 3; ++c) {
      EXPECT_EQ(sample->image.at(p / 32, p % 32)[c], cifar_pixel(record, c, p)) << "record " << record << " p " << p;
    }
  }
}

TEST(CifarTest, Cifar10TrainAndTestWithClassNames) {
  ScratchDir dir("cifar10");
  for (int b = 1; b <= 5; ++b) {
    testing::write_file(dir / ("data_batch_" + std::to_string(b) + ".bin"),
                        cifar_bytes(CifarVariant::cifar10, 4, (b - 1) * 4));
  }
  testing::write_file(dir / "test_batch.bin", cifar_bytes(CifarVariant::cifar10, 3, 100));
  testing::write_text(dir / "batches.meta.txt", kCifar10Names);

  const auto train = data::open_cifar(dir.path(), CifarVariant::cifar10, data::Split::train);
  ASSERT_EQ(train->size(), 20);
  EXPECT_EQ(train->num_classes(), 10);
  EXPECT_EQ(train->channels(), 3);
  EXPECT_EQ(train->class_names().front(), "airplane");
  EXPECT_EQ(train->class_names().back(), "truck");
  for (int i = 0; i < 20; ++i) expect_record(*train, i, i, (i * 7) % 10);
  EXPECT_EQ(train->source(9), (dir / "data_batch_3.bin").string() + " record 1");

  const auto test = data::open_cifar(dir.path(), CifarVariant::cifar10, data::Split::test);
  ASSERT_EQ(test->size(), 3);
  expect_record(*test, 2, 102, (102 * 7) % 10);
}

TEST(CifarTest, Cifar100FineAndCoarseLabels) {
  ScratchDir dir("cifar100");
  testing::write_file(dir / "train.bin", cifar_bytes(CifarVariant::cifar100_fine, 150));
  testing::write_file(dir / "test.bin", cifar_bytes(CifarVariant::cifar100_fine, 5));
  std::string fine;
  for (int c = 0; c < 100; ++c) fine += "fine_" + std::to_string(c) + "\r\n";
  std::string coarse;
  for (int c = 0; c < 20; ++c) coarse += "coarse_" + std::to_string(c) + "\n";
  testing::write_text(dir / "fine_label_names.txt", fine);
  testing::write_text(dir / "coarse_label_names.txt", coarse);

  const auto by_fine = data::open_cifar(dir.path(), CifarVariant::cifar100_fine, data::Split::train);
  ASSERT_EQ(by_fine->size(), 150);
  EXPECT_EQ(by_fine->num_classes(), 100);
  EXPECT_EQ(by_fine->class_names()[42], "fine_42");
  expect_record(*by_fine, 142, 142, 42);

  const auto by_coarse = data::open_cifar(dir.path(), CifarVariant::cifar100_coarse, data::Split::train);
  EXPECT_EQ(by_coarse->num_classes(), 20);
  EXPECT_EQ(by_coarse->class_names()[19], "coarse_19");
  expect_record(*by_coarse, 142, 142, 142 % 20);

  EXPECT_EQ(data::open_cifar(dir.path(), CifarVariant::cifar100_fine, data::Split::test)->size(), 5);
}

TEST(CifarTest, DefaultClassNamesWithoutMetaFile) {
  data::CifarRecords records;
  data::append_cifar(cifar_bytes(CifarVariant::cifar10, 2), CifarVariant::cifar10, "mem.bin", records);
  const data::CifarDataset dataset(std::move(records), CifarVariant::cifar10);
  EXPECT_EQ(dataset.class_names().front(), "0");
  EXPECT_EQ(dataset.class_names().back(), "9");
}

TEST(CifarTest, SizeNotAMultipleOfTheRecordIsAnError) {
  auto bytes = cifar_bytes(CifarVariant::cifar10, 2);
  bytes.pop_back();
  data::CifarRecords records;
  expect_error([&] { data::append_cifar(bytes, CifarVariant::cifar10, "data_batch_1.bin", records); },
               {"data_batch_1.bin", "size 6145 is not a multiple of the 3073-byte record"});
  const auto cifar100 = cifar_bytes(CifarVariant::cifar10, 2);
  expect_error([&] { data::append_cifar(cifar100, CifarVariant::cifar100_fine, "train.bin", records); },
               {"train.bin", "size 6146 is not a multiple of the 3074-byte record"});
  expect_error([&] { data::append_cifar({}, CifarVariant::cifar10, "empty.bin", records); },
               {"empty.bin", "empty file"});
}

TEST(CifarTest, LabelOutOfRangeIsAnError) {
  auto bytes = cifar_bytes(CifarVariant::cifar10, 3);
  bytes[2 * 3073] = 10;
  data::CifarRecords records;
  expect_error([&] { data::append_cifar(bytes, CifarVariant::cifar10, "data_batch_2.bin", records); },
               {"data_batch_2.bin", "record 2", "label 10 out of range, expected 0..9"});
  auto hundred = cifar_bytes(CifarVariant::cifar100_fine, 2);
  hundred[3074] = 20;  // coarse label of record 1
  expect_error([&] { data::append_cifar(hundred, CifarVariant::cifar100_coarse, "train.bin", records); },
               {"train.bin", "record 1", "label 20 out of range, expected 0..19"});
  hundred[3075] = 100;  // fine label of record 1
  expect_error([&] { data::append_cifar(hundred, CifarVariant::cifar100_fine, "train.bin", records); },
               {"label 100 out of range, expected 0..99"});
}

TEST(CifarTest, MissingFileAndBadMetaAreErrors) {
  ScratchDir dir("cifar-bad");
  testing::write_file(dir / "test_batch.bin", cifar_bytes(CifarVariant::cifar10, 1));
  expect_error([&] { data::open_cifar(dir.path(), CifarVariant::cifar10, data::Split::train); },
               {"data_batch_1.bin", "cannot open"});
  testing::write_text(dir / "batches.meta.txt", "cat\ndog\n");
  expect_error([&] { data::open_cifar(dir.path(), CifarVariant::cifar10, data::Split::test); },
               {"batches.meta.txt", "2 class names, expected 10"});
}

}  // namespace
}  // namespace minnow
