// Reading and writing safetensors (see core/safetensors.h). nlohmann-json parses and
// prints the header; the rest is bounds checks on raw bytes. Every reader error starts
// "safetensors: <source>:" and names the tensor or field, what was expected and what was found.
#include "core/safetensors.h"

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <set>

#include "core/error.h"
#include "core/reorder.h"

namespace minnow {
namespace {

using Json = nlohmann::json;
using OrderedJson = nlohmann::ordered_json;

constexpr uint64_t kMaxHeaderBytes = 100'000'000;  // the limit the reference implementation uses
constexpr std::string_view kMetadataKey = "__metadata__";
constexpr int kMaxDims = 6;  // plain_desc's limit
constexpr int kMaxDepth = 8;  // a header nests 3 deep: the header, a tensor, its shape

struct NamedDType {
  std::string_view name;
  DType type;
};
constexpr NamedDType kDTypes[] = {
    {"F32", DType::f32}, {"BF16", DType::bf16}, {"I8", DType::s8}, {"U8", DType::u8}, {"I32", DType::s32}};

std::string_view file_dtype_name(DType type) {
  for (const auto& d : kDTypes) {
    if (d.type == type) return d.name;
  }
  MINNOW_FAIL("safetensors: no file dtype for tensor type ", dtype_name(type));
}

// A JSON value as it appears in the header, shortened to keep messages on one line.
std::string shown(const Json& value) {
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  constexpr size_t kMax = 60;
  if (text.size() > kMax) text = text.substr(0, kMax) + "...";
  return text;
}

// One tensor entry of the header, checked against the data buffer's size.
struct Entry {
  std::string name;
  DType type = DType::f32;
  Dims dims;
  uint64_t begin = 0;
  uint64_t end = 0;
  bool from_i64 = false;  // stored as I64 (PyTorch's BN num_batches_tracked), held as s32
};

// Catches while parsing what would be lost or hurt later: duplicate keys (nlohmann keeps
// only one of two equal keys) and nesting past kMaxDepth, which is discarded unbuilt
// (dumping such a value into a message would recurse once per level and overflow the stack).
class HeaderGuard {
 public:
  bool operator()(int depth, Json::parse_event_t event, const Json& parsed) {
    const bool opens = event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start;
    if (opens && depth >= kMaxDepth) {
      if (found_.empty()) found_ = "the header nests deeper than " + std::to_string(kMaxDepth) + " levels; expected 3";
      return false;
    }
    if (event == Json::parse_event_t::object_start) {
      open_.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      open_.pop_back();
    } else if (event == Json::parse_event_t::key && found_.empty()) {
      auto key = parsed.get<std::string>();
      if (!open_.back().keys.insert(key).second) found_ = describe(key);
      open_.back().last_key = std::move(key);
    }
    return true;
  }
  // Empty when every object's keys were distinct and no value nested too deep.
  const std::string& found() const { return found_; }

 private:
  struct Object {
    std::set<std::string> keys;
    std::string last_key;
  };

  std::string describe(const std::string& key) const {
    if (open_.size() == 1) return "duplicate tensor name '" + printable(key) + "' in the header; expected each name once";
    std::string path;
    for (size_t i = 0; i + 1 < open_.size(); ++i) path += (i ? "." : "") + open_[i].last_key;
    return "duplicate key '" + printable(key) + "' inside '" + printable(path) + "'; expected each key once";
  }

  std::vector<Object> open_;
  std::string found_;
};

// I64 is read too, narrowed to s32 (checked per value), so PyTorch state dicts with
// BN's int64 num_batches_tracked load.
void parse_dtype(const std::string& at, Entry& entry, const Json& value) {
  const std::string name = printable(entry.name);
  MINNOW_CHECK(value.is_string(), at, "tensor '", name, "': field 'dtype' must be a string such as \"F32\", got ",
               shown(value));
  const auto& text = value.get_ref<const std::string&>();
  if (text == "I64") {
    entry.type = DType::s32;
    entry.from_i64 = true;
    return;
  }
  for (const auto& d : kDTypes) {
    if (text == d.name) {
      entry.type = d.type;
      return;
    }
  }
  MINNOW_FAIL(at, "tensor '", name, "' has unsupported dtype ", printable(text),
              "; expected one of F32, BF16, I8, U8, I32, I64 (the types minnow tensors hold)");
}

Tensor narrow_i64(const std::string& at, const Entry& e, const std::byte* data) {
  Tensor t(plain_desc(e.dims, DType::s32));
  int32_t* out = t.data<int32_t>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    int64_t v = 0;
    std::memcpy(&v, data + e.begin + 8 * static_cast<size_t>(i), 8);
    MINNOW_CHECK(v >= INT32_MIN && v <= INT32_MAX, at, "tensor '", printable(e.name), "' (I64) holds ", v,
                 " at index ", i, "; expected values that fit in 32 bits");
    out[i] = static_cast<int32_t>(v);
  }
  return t;
}

uint64_t parse_count(const std::string& at, const std::string& name, const char* field, const Json& value) {
  MINNOW_CHECK(value.is_number_unsigned(), at, "tensor '", name, "': field '", field,
               "' must hold non-negative integers, got ", shown(value));
  return value.get<uint64_t>();
}

Entry parse_entry(const std::string& at, const std::string& raw_name, const Json& value, uint64_t data_bytes) {
  const std::string name = printable(raw_name);  // for messages
  MINNOW_CHECK(value.is_object(), at, "tensor '", name, "': expected an object with dtype, shape and data_offsets, got ",
               shown(value));
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    MINNOW_CHECK(value.contains(field), at, "tensor '", name, "': missing field '", field, "'");
  }
  Entry entry;
  entry.name = raw_name;
  parse_dtype(at, entry, value["dtype"]);

  const Json& shape = value["shape"];
  MINNOW_CHECK(shape.is_array(), at, "tensor '", name, "': field 'shape' must be an array, got ", shown(shape));
  MINNOW_CHECK(shape.size() <= kMaxDims, at, "tensor '", name, "': shape ", shown(shape), " has ", shape.size(),
               " dims, expected at most ", kMaxDims);
  uint64_t expected_bytes = entry.from_i64 ? 8 : dtype_size(entry.type);
  bool overflow = false;
  std::vector<uint64_t> extents;
  for (const Json& d : shape) {
    const uint64_t extent = parse_count(at, name, "shape", d);
    MINNOW_CHECK(extent > 0, at, "tensor '", name, "': shape ", shown(shape),
                 " has a zero dim; expected positive dims (minnow holds no empty tensors)");
    overflow = overflow || __builtin_mul_overflow(expected_bytes, extent, &expected_bytes);
    extents.push_back(extent);
  }

  const Json& offsets = value["data_offsets"];
  MINNOW_CHECK(offsets.is_array() && offsets.size() == 2, at, "tensor '", name,
               "': field 'data_offsets' must be an array [begin, end], got ", shown(offsets));
  entry.begin = parse_count(at, name, "data_offsets", offsets[0]);
  entry.end = parse_count(at, name, "data_offsets", offsets[1]);
  MINNOW_CHECK(entry.begin <= entry.end, at, "tensor '", name, "': data_offsets [", entry.begin, ", ", entry.end,
               "] have begin after end; expected begin <= end");
  MINNOW_CHECK(entry.end <= data_bytes, at, "tensor '", name, "': data_offsets end ", entry.end,
               " is out of range; expected at most ", data_bytes, " (the data buffer's size)");
  const uint64_t span = entry.end - entry.begin;
  MINNOW_CHECK(!overflow && span == expected_bytes, at, "tensor '", name, "': data_offsets [", entry.begin, ", ",
               entry.end, "] span ", span, " bytes; expected ",
               overflow ? std::string("more than 2^64") : std::to_string(expected_bytes), " for shape ", shown(shape),
               " of ", entry.from_i64 ? "I64" : file_dtype_name(entry.type));
  // Each extent is at most span bytes now, so it fits in int64_t.
  for (uint64_t extent : extents) entry.dims.push_back(static_cast<int64_t>(extent));
  if (entry.dims.empty()) entry.dims = {1};
  return entry;
}

std::map<std::string, std::string> parse_metadata(const std::string& at, const Json& value) {
  std::map<std::string, std::string> metadata;
  if (value.is_null()) return metadata;
  MINNOW_CHECK(value.is_object(), at, "'__metadata__' must be an object of strings, got ", shown(value));
  for (const auto& [key, item] : value.items()) {
    MINNOW_CHECK(item.is_string(), at, "'__metadata__' value for key '", printable(key), "' must be a string, got ",
                 shown(item));
    metadata[key] = item.get<std::string>();
  }
  return metadata;
}

// Sorted by begin, the tensors must tile the data buffer: no overlap, no hole, nothing after.
void check_tiling(const std::string& at, std::vector<Entry>& entries, uint64_t data_bytes) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
  });
  uint64_t cursor = 0;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Entry& e = entries[i];
    if (i > 0) {
      const Entry& prev = entries[i - 1];
      MINNOW_CHECK(e.begin >= cursor, at, "tensors '", printable(prev.name), "' [", prev.begin, ", ", prev.end, "] and '",
                   printable(e.name), "' [", e.begin, ", ", e.end, "] overlap; expected contiguous data_offsets");
    }
    MINNOW_CHECK(e.begin == cursor, at, "hole of ", e.begin - cursor, " bytes before tensor '", printable(e.name),
                 "': data_offsets begin ", e.begin, ", expected ", cursor, " (contiguous data_offsets)");
    cursor = e.end;
  }
  MINNOW_CHECK(cursor == data_bytes, at, data_bytes - cursor, " trailing bytes after the last tensor: the data buffer holds ",
               data_bytes, " bytes, the tensors cover ", cursor);
}

std::string describe_byte(std::byte b) {
  const int value = std::to_integer<int>(b);
  std::string text = "byte " + std::to_string(value);
  if (value >= 0x20 && value < 0x7f) text += std::string(" '") + static_cast<char>(value) + "'";
  return text;
}

uint64_t read_u64_le(const std::byte* p) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | std::to_integer<uint64_t>(p[i]);
  return value;
}

void append_u64_le(std::string& out, uint64_t value) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

// The length prefix and the padded JSON header, plus each tensor in plain layout.
struct Layout {
  std::string header;
  std::vector<Tensor> plain;
};

Layout lay_out(const SafeTensors& file, const std::string& at) {
  Layout layout;
  OrderedJson header = OrderedJson::object();
  if (!file.metadata.empty()) header[std::string(kMetadataKey)] = file.metadata;
  std::set<std::string_view> names;
  uint64_t offset = 0;
  for (const auto& [name, tensor] : file.tensors) {
    MINNOW_CHECK(name != kMetadataKey, at, "tensor name '__metadata__' is reserved for metadata; expected another name");
    MINNOW_CHECK(names.insert(name).second, at, "duplicate tensor name '", printable(name), "'; expected each name once");
    MINNOW_CHECK(tensor.defined(), at, "tensor '", printable(name), "' is undefined; expected a tensor holding data");
    Tensor plain = tensor.is_plain() ? tensor : reorder(tensor, plain_desc(tensor.dims(), tensor.dtype()));
    const uint64_t n = plain.bytes();
    header[name] = {{"dtype", std::string(file_dtype_name(plain.dtype()))},
                    {"shape", plain.dims()},
                    {"data_offsets", OrderedJson::array({offset, offset + n})}};
    offset += n;
    layout.plain.push_back(std::move(plain));
  }
  std::string json = header.dump();
  json.append((8 - json.size() % 8) % 8, ' ');  // keeps the data buffer 8-byte aligned
  append_u64_le(layout.header, json.size());
  layout.header += json;
  return layout;
}

}  // namespace

const Tensor* SafeTensors::find(std::string_view name) const {
  for (const auto& [key, tensor] : tensors) {
    if (key == name) return &tensor;
  }
  return nullptr;
}

const Tensor& SafeTensors::at(std::string_view name) const {
  const Tensor* tensor = find(name);
  MINNOW_CHECK(tensor != nullptr, "safetensors: ", source.empty() ? "in-memory file" : source, ": no tensor named '",
               printable(name), "'; the file holds ", tensors.size(), " tensors");
  return *tensor;
}

std::string encode_safetensors(const SafeTensors& file) {
  const Layout layout = lay_out(file, "safetensors: encoding: ");
  std::string out = layout.header;
  for (const Tensor& t : layout.plain) out.append(static_cast<const char*>(t.raw()), t.bytes());
  return out;
}

SafeTensors decode_safetensors(std::span<const std::byte> bytes, const std::string& source_name) {
  const std::string at = "safetensors: " + source_name + ": ";
  MINNOW_CHECK(bytes.size() >= 8, at, "file is shorter than 8 bytes (", bytes.size(),
               " bytes); expected an 8-byte header length first");
  const uint64_t header_bytes = read_u64_le(bytes.data());
  MINNOW_CHECK(header_bytes <= kMaxHeaderBytes, at, "oversized header: length ", header_bytes,
               " bytes, expected at most ", kMaxHeaderBytes);
  MINNOW_CHECK(header_bytes <= bytes.size() - 8, at, "truncated: header length ", header_bytes, " bytes but only ",
               bytes.size() - 8, " bytes follow the length");
  const char* text = reinterpret_cast<const char*>(bytes.data() + 8);
  MINNOW_CHECK(header_bytes > 0 && text[0] == '{', at, "header must start with '{', got ",
               header_bytes == 0 ? std::string("an empty header") : describe_byte(bytes[8]));

  HeaderGuard guard;
  Json header;
  try {
    header = Json::parse(text, text + header_bytes, std::ref(guard));
  } catch (const Json::exception& e) {
    MINNOW_FAIL(at, "invalid JSON header: ", e.what());
  }
  MINNOW_CHECK(guard.found().empty(), at, guard.found());

  SafeTensors file;
  file.source = source_name;
  const uint64_t data_bytes = bytes.size() - 8 - header_bytes;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == kMetadataKey) {
      file.metadata = parse_metadata(at, value);
    } else {
      entries.push_back(parse_entry(at, key, value, data_bytes));
    }
  }
  check_tiling(at, entries, data_bytes);

  const std::byte* data = bytes.data() + 8 + header_bytes;
  for (const Entry& e : entries) {
    if (e.from_i64) {
      file.tensors.emplace_back(e.name, narrow_i64(at, e, data));
      continue;
    }
    Tensor t(plain_desc(e.dims, e.type));
    std::memcpy(t.raw(), data + e.begin, e.end - e.begin);
    file.tensors.emplace_back(e.name, std::move(t));
  }
  return file;
}

void save_safetensors(const std::string& path, const SafeTensors& file) {
  const Layout layout = lay_out(file, "safetensors: writing '" + path + "': ");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  MINNOW_CHECK(out.is_open(), "safetensors: cannot open '", path, "' for writing: ", std::strerror(errno));
  out.write(layout.header.data(), static_cast<std::streamsize>(layout.header.size()));
  for (const Tensor& t : layout.plain) out.write(static_cast<const char*>(t.raw()), static_cast<std::streamsize>(t.bytes()));
  out.close();
  MINNOW_CHECK(!out.fail(), "safetensors: writing '", path, "' failed: ", std::strerror(errno));
}

SafeTensors load_safetensors(const std::string& path) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  MINNOW_CHECK(in.is_open(), "safetensors: cannot open '", path, "' for reading: ", std::strerror(errno));
  const std::streamoff size = in.tellg();
  MINNOW_CHECK(size >= 0, "safetensors: cannot get the size of '", path, "'");
  std::vector<std::byte> bytes(static_cast<size_t>(size));
  in.seekg(0);
  in.read(reinterpret_cast<char*>(bytes.data()), size);
  MINNOW_CHECK(in.gcount() == size, "safetensors: reading '", path, "': expected ", size, " bytes, got ", in.gcount());
  return decode_safetensors(bytes, path);
}

}  // namespace minnow
