// docs/config.md must embed the key table generated from the schema (keys, types, defaults,
// meanings), so the documentation cannot drift from the code.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "train/config.h"

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

}  // namespace
}  // namespace minnow
