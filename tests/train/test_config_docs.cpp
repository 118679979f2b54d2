// docs/config.md must embed the key table generated from the schema (keys, types, defaults,
// meanings), so the documentation cannot drift from the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tests/data/data_files.h"
#include "tests/support/scratch_dir.h"
#include "train/config.h"
#include "train/data_setup.h"

namespace minnow {
namespace {

constexpr std::string_view kBegin = "<!-- keys:begin -->\n";
constexpr std::string_view kEnd = "<!-- keys:end -->";

std::string read_docs() {
  std::ifstream in(std::string(MINNOW_SOURCE_DIR) + "/docs/config.md");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(ConfigDocs, EmbedsTheGeneratedKeyTable) {
  const std::string docs = read_docs();
  const size_t begin = docs.find(kBegin);
  const size_t end = docs.find(kEnd);
  ASSERT_NE(begin, std::string::npos) << "docs/config.md lacks the marker " << kBegin;
  ASSERT_NE(end, std::string::npos) << "docs/config.md lacks the marker " << kEnd;
  const std::string table = docs.substr(begin + kBegin.size(), end - begin - kBegin.size());
  EXPECT_EQ(table, config_reference_markdown())
      << "docs/config.md is out of date; replace the lines between the markers with the table above";
}

TEST(ConfigDocs, EveryKeyIsListed) {
  const std::string docs = read_docs();
  const auto keys = config_keys();
  EXPECT_GT(keys.size(), 70u);
  for (const auto& key : keys) EXPECT_NE(docs.find("| `" + key + "` |"), std::string::npos) << key;
}

// The page's first example is what a new user copies: with its CIFAR-10 folder made
// here, it loads and its data.test folder gives the test split.
TEST(ConfigDocs, TheFirstExampleRuns) {
  const std::string docs = read_docs();
  const size_t begin = docs.find("```yaml\n");
  ASSERT_NE(begin, std::string::npos);
  const size_t body = begin + 8;
  std::string yaml = docs.substr(body, docs.find("```", body) - body);
  const std::string placeholder = "/data/cifar-10-batches-bin";
  ASSERT_NE(yaml.find(placeholder), std::string::npos) << yaml;
  testing::ScratchDir dir("config-docs");
  for (int b = 1; b <= 5; ++b)
    testing::write_file(dir.path() / ("data_batch_" + std::to_string(b) + ".bin"),
                        testing::cifar_bytes(data::CifarVariant::cifar10, 13));  // 65: one batch of 64
  testing::write_file(dir.path() / "test_batch.bin", testing::cifar_bytes(data::CifarVariant::cifar10, 5));
  for (size_t at; (at = yaml.find(placeholder)) != std::string::npos;) yaml.replace(at, placeholder.size(), dir.path().string());
  const Config config = parse_config(yaml, "docs/config.md");
  EXPECT_EQ(config.data.format, DataFormat::cifar10);
  EXPECT_EQ(config.data.test, std::vector<std::string>{dir.path().string()});
  const data::DataPipeline pipeline = data::make_data(to_data_config(config));
  EXPECT_EQ(pipeline.train->size(), 65);
  ASSERT_NE(pipeline.val, nullptr);
  EXPECT_EQ(pipeline.val->size(), 5);
}

}  // namespace
}  // namespace minnow
