// The primitive cache: a mutex-guarded map from key text to entry. Keys spell
// out each memory descriptor field by field (dims, type, blocking), so two
// descriptors share an entry exactly when oneDNN would treat them alike.
#include "ops/primitive_cache.h"

#include <atomic>
#include <mutex>
#include <unordered_map>

namespace minnow {
namespace {

std::mutex g_mutex;
std::unordered_map<std::string, std::shared_ptr<void>> g_entries;
std::atomic<uint64_t> g_builds{0};

void append_ints(std::string& out, const int64_t* values, int n) {
  for (int i = 0; i < n; ++i) {
    out += std::to_string(values[i]);
    out += ',';
  }
}

}  // namespace

Key& Key::add(const dnnl::memory::desc& md) {
  const dnnl_memory_desc_t& d = md.data;
  text_ += "|md:";
  text_ += std::to_string(d.ndims) + ':' + std::to_string(d.data_type) + ':' + std::to_string(d.format_kind) + ':';
  append_ints(text_, d.dims, d.ndims);
  append_ints(text_, d.padded_dims, d.ndims);
  append_ints(text_, d.padded_offsets, d.ndims);
  text_ += std::to_string(d.offset0) + ':';
  if (d.format_kind == dnnl_blocked) {
    const auto& b = d.format_desc.blocking;
    append_ints(text_, b.strides, d.ndims);
    text_ += 'i';
    append_ints(text_, b.inner_blks, b.inner_nblks);
    append_ints(text_, b.inner_idxs, b.inner_nblks);
  }
  text_ += std::to_string(d.extra.flags);
  return *this;
}

Key& Key::add(int64_t value) {
  text_ += '|';
  text_ += std::to_string(value);
  return *this;
}

Key& Key::add(std::string_view text) {
  text_ += '|';
  text_ += text;
  return *this;
}

namespace detail {

std::shared_ptr<void> cache_lookup(const std::string& key, const std::function<std::shared_ptr<void>()>& build) {
  std::lock_guard lock(g_mutex);
  auto it = g_entries.find(key);
  if (it != g_entries.end()) return it->second;
  auto entry = build();
  g_builds.fetch_add(1, std::memory_order_relaxed);
  g_entries.emplace(key, entry);
  return entry;
}

}  // namespace detail

uint64_t primitive_builds() { return g_builds.load(std::memory_order_relaxed); }

}  // namespace minnow
