// safetensors round trips (every dtype bit-exact, blocked layouts written plain, metadata,
// files on disk), the writer's header layout, and interop with files PyTorch writes and reads
// through tests/parity/safetensors_fixture.py. Malformed files: test_safetensors_malformed.cpp.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/reorder.h"
#include "core/safetensors.h"
#include "tests/support/python.h"

namespace minnow {

// Parameterised test names read "GetParam() = bf16" instead of a byte dump.
static void PrintTo(DType type, std::ostream* out) { *out << dtype_name(type); }

namespace {

std::span<const std::byte> as_bytes(const std::string& s) { return std::as_bytes(std::span(s.data(), s.size())); }

bool same_bytes(const Tensor& a, const Tensor& b) {
  return a.bytes() == b.bytes() && std::memcmp(a.raw(), b.raw(), a.bytes()) == 0;
}

// A plain tensor whose every byte is a fixed pattern: arbitrary bits (NaN payloads included).
Tensor patterned(const Dims& dims, DType type, int seed) {
  Tensor t = Tensor::zeros(dims, type);
  auto* bytes = static_cast<uint8_t*>(t.raw());
  for (size_t i = 0; i < t.bytes(); ++i) bytes[i] = static_cast<uint8_t>(i * 37 + static_cast<size_t>(seed) * 101 + 11);
  return t;
}

// The header of an encoded file, parsed, and its declared length.
std::pair<nlohmann::json, uint64_t> header_of(const std::string& bytes) {
  uint64_t n = 0;
  for (int i = 7; i >= 0; --i) n = (n << 8) | static_cast<uint8_t>(bytes[static_cast<size_t>(i)]);
  return {nlohmann::json::parse(bytes.substr(8, n)), n};
}

class SafetensorsRoundTrip : public ::testing::TestWithParam<DType> {};

TEST_P(SafetensorsRoundTrip, BitExact) {
  const DType type = GetParam();
  SafeTensors file;
  file.tensors.emplace_back("conv.weight", patterned({4, 3, 3, 3}, type, 1));
  file.tensors.emplace_back("bias", patterned({5}, type, 2));
  const auto decoded = decode_safetensors(as_bytes(encode_safetensors(file)), "round-trip");
  ASSERT_EQ(decoded.tensors.size(), 2u);
  for (size_t i = 0; i < 2; ++i) {
    const auto& [name, tensor] = decoded.tensors[i];
    EXPECT_EQ(name, file.tensors[i].first);  // the written order comes back
    EXPECT_EQ(tensor.dtype(), type);
    EXPECT_EQ(tensor.dims(), file.tensors[i].second.dims());
    EXPECT_TRUE(tensor.is_plain());
    EXPECT_TRUE(same_bytes(tensor, file.tensors[i].second)) << name;
  }
}

INSTANTIATE_TEST_SUITE_P(EveryDType, SafetensorsRoundTrip,
                         ::testing::Values(DType::f32, DType::bf16, DType::s8, DType::u8, DType::s32),
                         [](const auto& param_info) { return std::string(dtype_name(param_info.param)); });

TEST(SafetensorsWrite, BlockedLayoutIsWrittenPlain) {
  const Dims dims = {2, 20, 3, 3};  // (N, C, H, W); nChw16c pads C to 32
  std::vector<float> values(static_cast<size_t>(product(dims)));
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) * 0.25f - 40.0f;
  const Tensor plain = Tensor::from_plain(dims, values);
  const Tensor blocked = reorder(plain, dnnl::memory::desc(dims, dt::f32, dnnl::memory::format_tag::nChw16c));
  ASSERT_FALSE(blocked.is_plain());
  ASSERT_GT(blocked.bytes(), plain.bytes());

  SafeTensors file;
  file.tensors.emplace_back("act", blocked);
  const std::string bytes = encode_safetensors(file);
  const auto [header, n] = header_of(bytes);
  EXPECT_EQ(header["act"]["shape"], nlohmann::json({2, 20, 3, 3}));
  EXPECT_EQ(header["act"]["data_offsets"], nlohmann::json({0, plain.bytes()}));
  EXPECT_EQ(bytes.size(), 8 + n + plain.bytes());

  const auto decoded = decode_safetensors(as_bytes(bytes), "blocked");
  EXPECT_TRUE(decoded.at("act").is_plain());
  EXPECT_TRUE(same_bytes(decoded.at("act"), plain));
}

TEST(SafetensorsWrite, HeaderPaddedAndOffsetsContiguous) {
  SafeTensors file;
  file.metadata = {{"model", "mobilenet_v2"}, {"width", "0.5"}};
  file.tensors.emplace_back("z.first", patterned({3}, DType::u8, 1));
  file.tensors.emplace_back("a.second", patterned({5}, DType::bf16, 2));
  file.tensors.emplace_back("m.third", patterned({2, 3}, DType::f32, 3));
  const std::string bytes = encode_safetensors(file);
  const auto [header, n] = header_of(bytes);
  EXPECT_EQ(n % 8, 0u);
  EXPECT_EQ(bytes[8], '{');
  EXPECT_EQ(header["__metadata__"], nlohmann::json({{"model", "mobilenet_v2"}, {"width", "0.5"}}));
  uint64_t offset = 0;
  for (const auto& [name, tensor] : file.tensors) {
    EXPECT_EQ(header[name]["dtype"], tensor.dtype() == DType::u8 ? "U8" : tensor.dtype() == DType::bf16 ? "BF16" : "F32");
    EXPECT_EQ(header[name]["data_offsets"], nlohmann::json({offset, offset + tensor.bytes()})) << name;
    EXPECT_EQ(std::memcmp(bytes.data() + 8 + n + offset, tensor.raw(), tensor.bytes()), 0) << name;
    offset += tensor.bytes();
  }
  EXPECT_EQ(bytes.size(), 8 + n + offset);
}

TEST(SafetensorsWrite, RejectsNamesAndTensorsItCannotWrite) {
  const auto expect_rejected = [](const SafeTensors& file, const std::string& needle) {
    try {
      encode_safetensors(file);
      ADD_FAILURE() << "encode_safetensors accepted a file it cannot write";
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  SafeTensors duplicate;
  duplicate.tensors = {{"w", patterned({1}, DType::f32, 0)}, {"w", patterned({1}, DType::f32, 1)}};
  expect_rejected(duplicate, "duplicate tensor name 'w'");
  SafeTensors reserved;
  reserved.tensors = {{"__metadata__", patterned({1}, DType::f32, 0)}};
  expect_rejected(reserved, "reserved");
  SafeTensors undefined;
  undefined.tensors = {{"w", Tensor()}};
  expect_rejected(undefined, "tensor 'w' is undefined");
}

TEST(SafetensorsRead, ScalarShapeReadsAsOneElement) {
  const std::string text = R"({"loss_scale":{"dtype":"F32","shape":[],"data_offsets":[0,4]}})";
  std::string bytes;
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((text.size() >> (8 * i)) & 0xff));
  const float value = 1.5f;
  bytes += text + std::string(reinterpret_cast<const char*>(&value), sizeof value);
  const auto file = decode_safetensors(as_bytes(bytes), "scalar");
  EXPECT_EQ(file.at("loss_scale").dims(), Dims({1}));
  EXPECT_EQ(file.at("loss_scale").to_plain(), std::vector<float>({1.5f}));
}

TEST(SafetensorsFile, SaveAndLoadOnDisk) {
  SafeTensors file;
  file.metadata = {{"config", "{\"model\": \"shufflenet\"}"}};
  file.tensors.emplace_back("features.0.weight", patterned({8, 1, 3, 3}, DType::f32, 4));
  file.tensors.emplace_back("quant.zero_point", patterned({8}, DType::s32, 5));
  const test_support::ScratchDir dir;
  const std::string path = dir.file("weights.safetensors");
  save_safetensors(path, file);
  const auto loaded = load_safetensors(path);
  EXPECT_EQ(loaded.source, path);
  EXPECT_EQ(loaded.metadata, file.metadata);
  ASSERT_EQ(loaded.tensors.size(), 2u);
  EXPECT_TRUE(same_bytes(loaded.at("features.0.weight"), file.tensors[0].second));
  EXPECT_TRUE(same_bytes(loaded.at("quant.zero_point"), file.tensors[1].second));
}

TEST(SafetensorsFile, LoadErrorsNameThePath) {
  const test_support::ScratchDir dir;
  const std::string missing = dir.file("missing.safetensors");
  try {
    load_safetensors(missing);
    ADD_FAILURE() << "loaded a file that does not exist";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(missing), std::string::npos) << e.what();
  }
  const std::string truncated = dir.file("truncated.safetensors");
  SafeTensors file;
  file.tensors.emplace_back("w", patterned({16}, DType::f32, 6));
  const std::string bytes = encode_safetensors(file);
  {
    std::ofstream out(truncated, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 4));
  }
  try {
    load_safetensors(truncated);
    ADD_FAILURE() << "loaded a truncated file";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(truncated), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("out of range"), std::string::npos) << e.what();
  }
}

// The same tensors tests/parity/safetensors_fixture.py writes and checks (names, dtypes, formulas).
Tensor from_formula(const Dims& dims, DType type, const std::function<double(int64_t)>& f) {
  Tensor t = Tensor::zeros(dims, type);
  for (int64_t i = 0; i < t.numel(); ++i) {
    const double v = f(i);
    switch (type) {
      case DType::f32: t.data<float>()[i] = static_cast<float>(v); break;
      case DType::bf16: t.data<uint16_t>()[i] = static_cast<uint16_t>(std::bit_cast<uint32_t>(static_cast<float>(v)) >> 16); break;
      case DType::s8: t.data<int8_t>()[i] = static_cast<int8_t>(v); break;
      case DType::u8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
      case DType::s32: t.data<int32_t>()[i] = static_cast<int32_t>(v); break;
    }
  }
  return t;
}

SafeTensors fixture() {
  const double i32_values[] = {-2147483648.0, 2147483647.0, 0.0, 123456789.0};
  SafeTensors file;
  file.metadata = {{"format", "pt"}, {"model", "fixture"}};
  file.tensors = {
      {"features.0.weight", from_formula({4, 3, 3, 3}, DType::f32, [](int64_t i) { return (i % 17 - 8) / 16.0; })},
      {"features.0.bias", from_formula({4}, DType::f32, [](int64_t i) { return i * 0.375 - 0.5; })},
      {"scalar", from_formula({1}, DType::f32, [](int64_t) { return 2.5; })},
      {"bf16", from_formula({3, 5}, DType::bf16, [](int64_t i) { return (i - 4) * 0.5; })},
      {"i8", from_formula({10}, DType::s8, [](int64_t i) { return i * 25.0 - 128; })},
      {"u8", from_formula({4, 4}, DType::u8, [](int64_t i) { return i * 16.0 + 15; })},
      {"i32", from_formula({2, 2}, DType::s32, [&](int64_t i) { return i32_values[i]; })},
  };
  return file;
}

TEST(SafetensorsPython, ReadsFileWrittenByPyTorch) {
  const test_support::ScratchDir dir;
  const std::string path = dir.file("torch.safetensors");
  ASSERT_EQ(test_support::run_python(test_support::parity_script("safetensors_fixture.py"), {"write", path}), 0);
  const auto loaded = load_safetensors(path);
  const auto expected = fixture();
  EXPECT_EQ(loaded.metadata, expected.metadata);
  ASSERT_EQ(loaded.tensors.size(), expected.tensors.size());
  for (size_t i = 0; i < expected.tensors.size(); ++i) {
    const auto& [name, want] = expected.tensors[i];
    EXPECT_EQ(loaded.tensors[i].first, name);
    const Tensor& got = loaded.at(name);
    EXPECT_EQ(got.dtype(), want.dtype()) << name;
    EXPECT_EQ(got.dims(), want.dims()) << name;
    EXPECT_TRUE(same_bytes(got, want)) << name;
  }
}

TEST(SafetensorsPython, PyTorchReadsFileWrittenByMinnow) {
  const test_support::ScratchDir dir;
  const std::string path = dir.file("minnow.safetensors");
  save_safetensors(path, fixture());
  EXPECT_EQ(test_support::run_python(test_support::parity_script("safetensors_fixture.py"), {"check", path}), 0);
}

}  // namespace
}  // namespace minnow
