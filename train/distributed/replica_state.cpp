// The model's state across ranks. Parameters travel and are hashed in logical order (their
// layouts may differ between ranks); buffers are plain and travel as their bytes.
#include "train/distributed/replica_state.h"

#include <cstring>
#include <span>
#include <vector>

#include "core/error.h"
#include "models/layers.h"
#include "train/distributed/agreement.h"
#include "train/qat/fake_quantize.h"

namespace minnow {
namespace {

void append(std::vector<std::byte>& out, const void* data, size_t bytes) {
  const auto* p = static_cast<const std::byte*>(data);
  out.insert(out.end(), p, p + bytes);
}

// Parameters (logical f32 values) then buffers (raw bytes), in registration order.
std::vector<std::byte> flatten(const Module& model) {
  std::vector<std::byte> out;
  for (const auto& p : model.named_parameters()) {
    const std::vector<float> values = p.var.data().to_plain();
    append(out, values.data(), values.size() * sizeof(float));
  }
  for (const auto& b : model.named_buffers()) append(out, b.tensor.raw(), b.tensor.bytes());
  return out;
}

void unflatten(std::span<const std::byte> in, Module& model) {
  size_t at = 0;
  for (const auto& p : model.named_parameters()) {
    std::vector<float> values(static_cast<size_t>(p.var.data().numel()));
    std::memcpy(values.data(), in.data() + at, values.size() * sizeof(float));
    at += values.size() * sizeof(float);
    p.var.set_data(Tensor::from_plain(p.var.dims(), values).to_layout(p.var.data().desc()));
  }
  for (const auto& b : model.named_buffers()) {
    std::memcpy(b.tensor.raw(), in.data() + at, b.tensor.bytes());
    at += b.tensor.bytes();
  }
  MINNOW_CHECK(at == in.size(), "distributed: the broadcast model holds ", in.size(), " bytes, this rank's ", at);
}

template <class M>
std::vector<M*> modules_of(Module& model) {
  std::vector<M*> out;
  for (const auto& [name, module] : model.named_modules())
    if (auto* m = dynamic_cast<M*>(module)) out.push_back(m);
  return out;
}

}  // namespace

void broadcast_model(const dist::World& world, Module& model) {
  if (!world.distributed()) return;
  std::vector<std::byte> flat = flatten(model);
  world.broadcast(flat, 0);
  if (!world.is_root()) unflatten(flat, model);
}

uint64_t model_checksum(const Module& model) {
  uint64_t hash = 0xcbf29ce484222325ULL;  // FNV-1a, 64 bits
  for (const std::byte b : flatten(model)) {
    hash ^= static_cast<uint64_t>(b);
    hash *= 0x100000001b3ULL;
  }
  return hash;
}

void check_replicas_equal(const dist::World& world, const Module& model, const std::string& when) {
  if (!world.distributed()) return;
  const uint64_t hash = model_checksum(model);
  // The largest hash and the largest complement: the same value on every rank iff all are equal.
  int64_t extremes[2] = {static_cast<int64_t>(hash), static_cast<int64_t>(~hash)};
  world.max(extremes);
  if (extremes[0] != ~extremes[1])
    throw JobError(detail::concat("distributed: the ranks' parameters and buffers differ ", when, " (rank ",
                                  world.rank(), " holds checksum ", hash, ")"),
                   "train/distributed/replica_state.cpp");
}

std::vector<Tensor> bn_running_statistics(Module& model) {
  std::vector<Tensor> out;
  for (const BatchNorm2d* bn : modules_of<BatchNorm2d>(model)) {
    out.push_back(bn->running_mean());
    out.push_back(bn->running_var());
  }
  return out;
}

void synchronise_batch_norm(const dist::World& world, Module& model) {
  for (BatchNorm2d* bn : modules_of<BatchNorm2d>(model))
    bn->set_replica_sum([&world](std::span<double> values) { world.sum(values); });
}

void synchronise_observers(const dist::World& world, Module& model) {
  for (ActivationFakeQuant* q : modules_of<ActivationFakeQuant>(model)) {
    q->set_replica_range([&world](MinMax& range) {
      double extremes[2] = {-static_cast<double>(range.min), static_cast<double>(range.max)};
      world.max(extremes);
      range = {static_cast<float>(-extremes[0]), static_cast<float>(extremes[1])};
    });
  }
}

}  // namespace minnow
