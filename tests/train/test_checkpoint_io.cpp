// Atomic checkpoint files: round trip, replacement, an injected failure and a crash before the
// rename (the previous file stays loadable), truncation, bit flips and missing checksums.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "tests/support/python.h"
#include "tests/support/random.h"
#include "train/checkpoint_io.h"

namespace minnow {
namespace {

namespace fs = std::filesystem;

SafeTensors sample(float fill) {
  SafeTensors file;
  file.metadata = {{"step", "12"}, {"config", "model:\n  name: \"x\"\n"}};
  Rng rng(1);
  file.tensors.emplace_back("w", test_support::random_tensor({3, 4}, rng));
  file.tensors.emplace_back("fill", Tensor::full({5}, fill));
  const Dims dims{1, 20, 2, 2};
  file.tensors.emplace_back(
      "blocked", test_support::random_tensor(dims, rng).to_layout(dnnl::memory::desc(dims, dt::f32, dnnl::memory::format_tag::nChw16c)));
  Tensor count(plain_desc({2}, DType::s32));
  count.data<int32_t>()[0] = 7;
  count.data<int32_t>()[1] = -1;
  file.tensors.emplace_back("count", count);
  return file;
}

void expect_same(const SafeTensors& read, const SafeTensors& written) {
  ASSERT_EQ(read.tensors.size(), written.tensors.size());
  for (size_t i = 0; i < read.tensors.size(); ++i) {
    EXPECT_EQ(read.tensors[i].first, written.tensors[i].first);
    EXPECT_EQ(read.tensors[i].second.dtype(), written.tensors[i].second.dtype());
    EXPECT_EQ(read.tensors[i].second.to_plain(), written.tensors[i].second.to_plain()) << read.tensors[i].first;
  }
  for (const auto& [key, value] : written.metadata) EXPECT_EQ(read.metadata.at(key), value) << key;
}

std::vector<std::string> folder_entries(const fs::path& folder) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder)) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void expect_read_error(const std::string& path, std::initializer_list<std::string> needles) {
  try {
    (void)read_checkpoint_file(path);
    ADD_FAILURE() << "expected an error reading " << path;
  } catch (const Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(path), std::string::npos) << message;
    for (const auto& needle : needles) EXPECT_NE(message.find(needle), std::string::npos) << message;
  }
}

TEST(CheckpointIo, RoundTripsTensorsAndMetadata) {
  const test_support::ScratchDir dir;
  const SafeTensors written = sample(1.0f);
  write_checkpoint_file(dir.file("last.safetensors"), written);
  const SafeTensors read = read_checkpoint_file(dir.file("last.safetensors"));
  expect_same(read, written);
  EXPECT_EQ(read.metadata.at(std::string(kChecksumKey)).size(), 8u);
  EXPECT_EQ(folder_entries(dir.path()), std::vector<std::string>{"last.safetensors"});
  // Plain safetensors readers see an ordinary file.
  EXPECT_EQ(load_safetensors(dir.file("last.safetensors")).tensors.size(), 4u);
}

TEST(CheckpointIo, ReplacesThePreviousFile) {
  const test_support::ScratchDir dir;
  write_checkpoint_file(dir.file("last.safetensors"), sample(1.0f));
  write_checkpoint_file(dir.file("last.safetensors"), sample(2.0f));
  EXPECT_EQ(read_checkpoint_file(dir.file("last.safetensors")).at("fill").to_plain(), std::vector<float>(5, 2.0f));
  EXPECT_EQ(folder_entries(dir.path()), std::vector<std::string>{"last.safetensors"});
}

TEST(CheckpointIo, InjectedFailureBeforeRenameKeepsThePreviousFile) {
  const test_support::ScratchDir dir;
  const std::string path = dir.file("last.safetensors");
  const SafeTensors first = sample(1.0f);
  write_checkpoint_file(path, first);
  std::string seen_temp;
  const AtomicWriteOptions fail{.before_rename = [&](const std::string& temp) {
    seen_temp = temp;
    EXPECT_EQ(fs::path(temp).parent_path(), dir.path());
    EXPECT_EQ(fs::file_size(temp), file_bytes(path).size());  // fully written, same size as the first
    throw std::runtime_error("injected failure");
  }};
  EXPECT_THROW(write_checkpoint_file(path, sample(2.0f), fail), std::runtime_error);
  EXPECT_FALSE(seen_temp.empty());
  EXPECT_FALSE(fs::exists(seen_temp));
  expect_same(read_checkpoint_file(path), first);
  EXPECT_EQ(folder_entries(dir.path()), std::vector<std::string>{"last.safetensors"});
}

TEST(CheckpointIo, CrashBeforeRenameKeepsThePreviousFile) {
  // "fast" death tests fork without re-running the test, so the child writes into this test's
  // folder; it only does file I/O (the bytes are encoded here), which is safe after fork.
  GTEST_FLAG_SET(death_test_style, "fast");
  const test_support::ScratchDir dir;
  const std::string path = dir.file("last.safetensors");
  const SafeTensors first = sample(1.0f);
  write_checkpoint_file(path, first);
  write_checkpoint_file(dir.file("next.safetensors"), sample(2.0f));
  const std::string next = file_bytes(dir.file("next.safetensors"));
  fs::remove(dir.file("next.safetensors"));
  const AtomicWriteOptions crash{.before_rename = [](const std::string&) { std::_Exit(3); }};
  EXPECT_EXIT(write_file_atomic(path, next, crash), testing::ExitedWithCode(3), "");
  // The process died leaving a finished temporary file; the target is still the first file.
  expect_same(read_checkpoint_file(path), first);
  const auto entries = folder_entries(dir.path());
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_TRUE(entries[0].starts_with(".last.safetensors.tmp.")) << entries[0];
  EXPECT_EQ(file_bytes((dir.path() / entries[0]).string()), next);
}

TEST(CheckpointIo, TruncatedFilesNameThePath) {
  const test_support::ScratchDir dir;
  const std::string path = dir.file("last.safetensors");
  write_checkpoint_file(path, sample(1.0f));
  const std::string bytes = file_bytes(path);
  for (const size_t keep : {size_t{0}, size_t{5}, size_t{40}, bytes.size() / 2, bytes.size() - 1}) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(bytes.data(), static_cast<std::streamsize>(keep));
    SCOPED_TRACE("kept " + std::to_string(keep) + " of " + std::to_string(bytes.size()) + " bytes");
    expect_read_error(path, {});
  }
}

TEST(CheckpointIo, BitFlipsAreCaughtByTheChecksum) {
  const test_support::ScratchDir dir;
  const std::string path = dir.file("last.safetensors");
  write_checkpoint_file(path, sample(1.0f));
  const std::string bytes = file_bytes(path);
  const size_t in_data = bytes.size() - 30;               // inside the tensor data
  const size_t in_metadata = bytes.find("\"12\"") + 1;    // the "step" metadata value
  ASSERT_NE(in_metadata, std::string::npos + 1);
  for (const size_t at : {in_data, in_metadata}) {
    std::string flipped = bytes;
    flipped[at] = static_cast<char>(flipped[at] ^ 0x01);
    std::ofstream(path, std::ios::binary | std::ios::trunc) << flipped;
    SCOPED_TRACE("flipped byte " + std::to_string(at));
    expect_read_error(path, {"is corrupt", "content checksum"});
  }
}

TEST(CheckpointIo, FilesWithoutAChecksumAreRejected) {
  const test_support::ScratchDir dir;
  save_safetensors(dir.file("plain.safetensors"), sample(1.0f));
  expect_read_error(dir.file("plain.safetensors"), {"no 'content_crc32' in its metadata"});
  expect_read_error(dir.file("missing.safetensors"), {"cannot open"});
}

TEST(CheckpointIo, UnwritableFolderNamesThePath) {
  try {
    write_file_atomic("/nonexistent-minnow-folder/last.safetensors", "bytes");
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("'/nonexistent-minnow-folder/last.safetensors'"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("No such file or directory"), std::string::npos) << e.what();
  }
}

TEST(CheckpointIo, ChecksumCoversNamesAndMetadata) {
  SafeTensors a = sample(1.0f);
  const uint32_t base = content_checksum(a);
  SafeTensors renamed = a;
  renamed.tensors[0].first = "v";
  SafeTensors retagged = a;
  retagged.metadata["step"] = "13";
  SafeTensors with_checksum = a;
  with_checksum.metadata[std::string(kChecksumKey)] = "00000000";
  EXPECT_NE(content_checksum(renamed), base);
  EXPECT_NE(content_checksum(retagged), base);
  EXPECT_EQ(content_checksum(with_checksum), base);
}

}  // namespace
}  // namespace minnow
