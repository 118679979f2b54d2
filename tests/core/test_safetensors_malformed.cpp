// The safetensors reader against hand-built malformed files: each kind of damage must throw
// one minnow::Error line naming the file, the tensor or field, and what was wrong.
// Round trips, the writer and PyTorch interop are in test_safetensors.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>

#include "core/error.h"
#include "core/safetensors.h"
#include "tests/support/errors.h"

namespace minnow {
namespace {

constexpr const char* kSource = "bad.safetensors";

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

std::string u64_le(uint64_t value) {
  std::string out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  return out;
}

// A file whose header is exactly header_text, followed by data_bytes zero bytes.
std::string file_bytes(const std::string& header_text, size_t data_bytes) {
  return u64_le(header_text.size()) + header_text + std::string(data_bytes, '\0');
}

// One header entry: "name":{"dtype":...,"shape":...,"data_offsets":...}, fields given as JSON text.
std::string entry(const std::string& name, const std::string& dtype, const std::string& shape,
                  const std::string& offsets) {
  return "\"" + name + "\":{\"dtype\":" + dtype + ",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
}

// A JSON object from entries: {item,item,...}.
std::string object(std::initializer_list<std::string> items) {
  std::string text = "{";
  for (const auto& item : items) text += (text.size() > 1 ? "," : "") + item;
  return text + "}";
}

// decode_safetensors rejects bytes with one line naming the file and holding every needle.
void expect_rejected(const std::string& bytes, std::initializer_list<std::string> needles) {
  const auto decode = [&] { decode_safetensors(as_bytes(bytes), kSource); };
  test_support::expect_error(decode, kSource);
  test_support::expect_error(decode, needles);
}

TEST(SafetensorsMalformed, ShorterThanEightBytes) { expect_rejected("abcde", {"shorter than 8 bytes", "(5 bytes)"}); }

TEST(SafetensorsMalformed, TruncatedHeader) {
  expect_rejected(u64_le(100) + std::string(20, ' '), {"truncated", "header length 100", "only 20 bytes"});
}

TEST(SafetensorsMalformed, OversizedHeader) {
  expect_rejected(u64_le(200'000'000) + "{}", {"oversized header", "200000000", "at most 100000000"});
}

TEST(SafetensorsMalformed, HeaderNotStartingWithBrace) {
  expect_rejected(file_bytes("[{\"w\":1}]", 0), {"must start with '{'", "'['"});
  expect_rejected(file_bytes(" {}", 0), {"must start with '{'", "byte 32"});
  expect_rejected(file_bytes("", 0), {"must start with '{'", "empty header"});
}

TEST(SafetensorsMalformed, TrailingSpacesAreAllowed) {
  const auto file = decode_safetensors(as_bytes(file_bytes(object({entry("w", "\"U8\"", "[3]", "[0,3]")}) + "     ", 3)),
                                       kSource);
  ASSERT_EQ(file.tensors.size(), 1u);
  EXPECT_EQ(file.at("w").dims(), Dims({3}));
}

TEST(SafetensorsMalformed, InvalidJson) {
  expect_rejected(file_bytes("{\"w\":{\"dtype\":\"F32\",", 0), {"invalid JSON header", "parse error"});
  expect_rejected(file_bytes("{} trailing", 0), {"invalid JSON header"});
}

TEST(SafetensorsMalformed, MissingDtype) {
  expect_rejected(file_bytes(R"({"w":{"shape":[1],"data_offsets":[0,4]}})", 4), {"tensor 'w'", "missing field 'dtype'"});
}

TEST(SafetensorsMalformed, MissingShape) {
  expect_rejected(file_bytes(R"({"w":{"dtype":"F32","data_offsets":[0,4]}})", 4), {"tensor 'w'", "missing field 'shape'"});
}

TEST(SafetensorsMalformed, MissingDataOffsets) {
  expect_rejected(file_bytes(R"({"w":{"dtype":"F32","shape":[1]}})", 4), {"tensor 'w'", "missing field 'data_offsets'"});
}

TEST(SafetensorsMalformed, WrongJsonTypes) {
  expect_rejected(file_bytes("{\"w\":[1,2]}", 0), {"tensor 'w'", "expected an object", "[1,2]"});
  expect_rejected(file_bytes(object({entry("w", "32", "[1]", "[0,4]")}), 4), {"tensor 'w'", "'dtype'", "got 32"});
  expect_rejected(file_bytes(object({entry("w", "\"F32\"", "\"1\"", "[0,4]")}), 4),
               {"tensor 'w'", "'shape' must be an array", "got \"1\""});
  expect_rejected(file_bytes(object({entry("w", "\"F32\"", "[1]", "[4]")}), 4),
               {"tensor 'w'", "'data_offsets' must be an array [begin, end]", "got [4]"});
  expect_rejected(file_bytes(object({entry("w", "\"F32\"", "[1]", "[0,\"4\"]")}), 4),
               {"tensor 'w'", "'data_offsets'", "got \"4\""});
}

TEST(SafetensorsMalformed, NegativeShape) {
  expect_rejected(file_bytes(object({entry("w", "\"F32\"", "[-2,2]", "[0,16]")}), 16),
               {"tensor 'w'", "'shape' must hold non-negative integers", "got -2"});
}

TEST(SafetensorsMalformed, NonIntegerShape) {
  expect_rejected(file_bytes(object({entry("w", "\"F32\"", "[2.5]", "[0,8]")}), 8),
               {"tensor 'w'", "'shape' must hold non-negative integers", "got 2.5"});
}

TEST(SafetensorsMalformed, ZeroDimInShape) {
  expect_rejected(file_bytes(object({entry("w", "\"F32\"", "[0,2]", "[0,0]")}), 0), {"tensor 'w'", "zero dim", "[0,2]"});
}

TEST(SafetensorsMalformed, TooManyDims) {
  expect_rejected(file_bytes(object({entry("w", "\"U8\"", "[1,1,1,1,1,1,1]", "[0,1]")}), 1),
               {"tensor 'w'", "7 dims", "at most 6"});
}

TEST(SafetensorsMalformed, DuplicateTensorNames) {
  const auto w = entry("w", "\"F32\"", "[1]", "[0,4]");
  expect_rejected(file_bytes(object({w, entry("w", "\"F32\"", "[1]", "[4,8]")}), 8),
               {"duplicate tensor name 'w'"});
}

TEST(SafetensorsMalformed, DuplicateKeyInsideEntry) {
  expect_rejected(file_bytes(R"({"w":{"dtype":"F32","dtype":"I32","shape":[1],"data_offsets":[0,4]}})", 4),
               {"duplicate key 'dtype'", "inside 'w'"});
}

TEST(SafetensorsMalformed, BeginAfterEnd) {
  expect_rejected(file_bytes(object({entry("w", "\"F32\"", "[1]", "[8,4]")}), 8),
               {"tensor 'w'", "[8, 4]", "begin after end"});
}

TEST(SafetensorsMalformed, EndOutOfRange) {
  expect_rejected(file_bytes(object({entry("w", "\"F32\"", "[4]", "[0,16]")}), 8),
               {"tensor 'w'", "end 16 is out of range", "at most 8"});
}

TEST(SafetensorsMalformed, ByteSizeMismatch) {
  expect_rejected(file_bytes(object({entry("w", "\"F32\"", "[2,2]", "[0,12]")}), 12),
               {"tensor 'w'", "span 12 bytes", "expected 16", "[2,2]", "F32"});
}

TEST(SafetensorsMalformed, ShapeOverflowingSize) {
  expect_rejected(file_bytes(object({entry("w", "\"F32\"", "[4294967296,4294967296,16]", "[0,4]")}), 4),
               {"tensor 'w'", "expected more than 2^64"});
}

TEST(SafetensorsMalformed, OverlappingOffsets) {
  const auto a = entry("a", "\"F32\"", "[4]", "[0,16]");
  const auto b = entry("b", "\"F32\"", "[2]", "[8,16]");
  expect_rejected(file_bytes(object({a, b}), 16), {"'a' [0, 16]", "'b' [8, 16]", "overlap"});
}

TEST(SafetensorsMalformed, HoleBetweenTensors) {
  const auto a = entry("a", "\"F32\"", "[2]", "[0,8]");
  const auto b = entry("b", "\"F32\"", "[2]", "[16,24]");
  expect_rejected(file_bytes(object({a, b}), 24), {"hole of 8 bytes", "tensor 'b'", "begin 16, expected 8"});
  expect_rejected(file_bytes(object({entry("a", "\"F32\"", "[2]", "[8,16]")}), 16), {"hole of 8 bytes", "tensor 'a'"});
}

TEST(SafetensorsMalformed, TrailingBytesAfterLastTensor) {
  expect_rejected(file_bytes(object({entry("a", "\"F32\"", "[2]", "[0,8]")}), 16),
               {"8 trailing bytes", "holds 16 bytes", "cover 8"});
}

TEST(SafetensorsMalformed, UnsupportedDtype) {
  expect_rejected(file_bytes(object({entry("w", "\"F64\"", "[1]", "[0,8]")}), 8),
               {"tensor 'w'", "unsupported dtype F64", "F32, BF16, I8, U8, I32"});
}

TEST(SafetensorsMalformed, I64OutsideInt32Range) {
  std::string bytes = file_bytes(object({entry("steps", "\"I64\"", "[2]", "[0,16]")}), 16);
  bytes[bytes.size() - 4] = '\x01';  // the second value becomes 2^32
  expect_rejected(bytes, {"tensor 'steps' (I64) holds 4294967296 at index 1", "fit in 32 bits"});
}

TEST(SafetensorsRead, I64NarrowsToInt32) {
  std::string bytes = file_bytes(object({entry("num_batches_tracked", "\"I64\"", "[]", "[0,8]")}), 8);
  bytes[bytes.size() - 8] = '\x07';
  bytes[bytes.size() - 1] = '\x00';
  const auto span = std::as_bytes(std::span(bytes.data(), bytes.size()));
  const SafeTensors file = decode_safetensors(span, "state.safetensors");
  const Tensor& t = file.at("num_batches_tracked");
  EXPECT_EQ(t.dtype(), DType::s32);
  EXPECT_EQ(t.data<int32_t>()[0], 7);
}

TEST(SafetensorsMalformed, MetadataNotStrings) {
  expect_rejected(file_bytes(R"({"__metadata__":{"epoch":3}})", 0), {"'__metadata__'", "key 'epoch'", "got 3"});
  expect_rejected(file_bytes(R"({"__metadata__":["x"]})", 0), {"'__metadata__' must be an object", "[\"x\"]"});
}

TEST(SafetensorsMalformed, DeepNestingIsRefusedWithoutRecursing) {
  // 100,000 levels once overflowed the stack when the message dumped the value.
  const std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  expect_rejected(file_bytes("{\"w\":" + deep + "}", 0), {"the header nests deeper than 8 levels; expected 3"});
  expect_rejected(file_bytes("{\"__metadata__\":" + deep + "}", 0), {"nests deeper than 8 levels"});
}

TEST(SafetensorsMalformed, ControlCharactersInNamesAreEscaped) {
  expect_rejected(file_bytes(object({entry("a\\nb", "\"F32\"", "[1]", "[0,4]"), entry("a\\nb", "\"F32\"", "[1]", "[4,8]")}), 8),
               {"duplicate tensor name 'a\\nb'"});
  expect_rejected(file_bytes(object({entry("w", "\"F\\u000132\"", "[1]", "[0,4]")}), 4), {"unsupported dtype F\\x0132"});
}

TEST(SafetensorsMalformed, MissingTensorLookupNamesFileAndTensor) {
  const auto file = decode_safetensors(as_bytes(file_bytes(object({entry("w", "\"U8\"", "[1]", "[0,1]")}), 1)),
                                       kSource);
  EXPECT_EQ(file.find("nope"), nullptr);
  try {
    file.at("nope");
    ADD_FAILURE() << "at() found a tensor that is not there";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(kSource), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("no tensor named 'nope'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace minnow
