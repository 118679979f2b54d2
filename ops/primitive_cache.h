// Per-shape cache of primitive descriptors and primitives, on top of oneDNN's
// own cache, so a training step builds nothing new after its first iteration.
// Ops key an entry by everything that shapes the primitive (descs, options).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <oneapi/dnnl/dnnl.hpp>

namespace minnow {

// Builds a cache key piece by piece: Key("conv_fwd").add(x_md).add(stride)...
class Key {
 public:
  explicit Key(std::string_view op) : text_(op) {}
  Key& add(const dnnl::memory::desc& md);
  Key& add(int64_t value);
  Key& add(std::string_view text);
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

namespace detail {
std::shared_ptr<void> cache_lookup(const std::string& key, const std::function<std::shared_ptr<void>()>& build);
}

// Returns the entry for key, building it with build() on first use.
template <class T, class Build>
std::shared_ptr<T> cached(const Key& key, Build&& build) {
  return std::static_pointer_cast<T>(detail::cache_lookup(
      key.str(), [&]() -> std::shared_ptr<void> { return std::make_shared<T>(build()); }));
}

// Entries built so far: tests assert that a repeated step adds none.
uint64_t primitive_builds();

}  // namespace minnow
