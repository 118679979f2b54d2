// Buckets, their sums and the average. A bucket's values are its parameters' gradients
// in logical (PyTorch) order, back to back, then one count per parameter of the ranks
// that had a gradient for it; after the sum the gradients are divided by the world size.
#include "train/distributed/grad_reducer.h"

#include <algorithm>
#include <chrono>

#include "core/error.h"

namespace minnow {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

}  // namespace

GradReducer::GradReducer(const dist::World& world, const NamedParams& params, GradReducerOptions options,
                         std::vector<Tensor> averaged_buffers)
    : world_(world), params_(params), options_(options), done_(params.size(), false),
      buffers_(std::move(averaged_buffers)) {
  size_t buffer_floats = 0;
  for (const Tensor& b : buffers_) {
    MINNOW_CHECK(b.is_plain() && b.dtype() == DType::f32, "distributed: averaged buffers must be plain f32, got ",
                 dtype_name(b.dtype()), " of dims ", dims_str(b.dims()));
    buffer_floats += static_cast<size_t>(b.numel());
  }
  buffer_values_.resize(buffer_floats);
  MINNOW_CHECK(options_.bucket_mb > 0, "distributed: bucket_mb must be > 0, got ", options_.bucket_mb);
  // The first bucket holds at most 1 MB, as in PyTorch's DDP: the last layers' gradients are
  // final first, and a small bucket starts its sum while most of backward is still to run.
  const auto limit = static_cast<size_t>(options_.bucket_mb * 1024 * 1024 / sizeof(float));
  const size_t first_limit = std::min(limit, size_t{1024 * 1024 / sizeof(float)});
  size_t floats = 0;  // gradient values in the bucket being filled
  for (size_t i = params_.size(); i-- > 0;) {
    if (buckets_.empty() || floats >= (buckets_.size() == 1 ? first_limit : limit)) {
      buckets_.emplace_back();
      floats = 0;
    }
    Bucket& bucket = buckets_.back();
    bucket.params.push_back(i);
    bucket.offsets.push_back(floats);
    floats += static_cast<size_t>(params_[i].second.data().numel());
  }
  bucket_of_.resize(params_.size());
  for (size_t b = 0; b < buckets_.size(); ++b)
    for (size_t i : buckets_[b].params) bucket_of_[i] = b;
  for (size_t i = 0; i < params_.size(); ++i) index_of_[params_[i].second.impl()] = i;
  for (Bucket& bucket : buckets_) {
    const Var& last = params_[bucket.params.back()].second;
    const size_t gradients = bucket.offsets.back() + static_cast<size_t>(last.data().numel());
    bucket.values.assign(gradients + bucket.params.size(), 0.0f);
  }
}

GradReducer::~GradReducer() = default;

void GradReducer::begin() {
  std::fill(done_.begin(), done_.end(), false);
  for (Bucket& bucket : buckets_) bucket.ready = 0;
  next_start_ = 0;
  times_ = {};
  size_t at = 0;
  for (const Tensor& b : buffers_) {
    const auto values = b.f32_buffer();
    std::copy(values.begin(), values.end(), buffer_values_.begin() + static_cast<long>(at));
    at += values.size();
  }
  buffer_sum_ = world_.start_sum(buffer_values_);
}

void GradReducer::leaf_done(const Var& leaf) {
  const auto it = index_of_.find(leaf.impl());
  if (it == index_of_.end() || done_[it->second]) return;
  done_[it->second] = true;
  ++buckets_[bucket_of_[it->second]].ready;
  if (options_.overlap) start_ready_buckets();
}

void GradReducer::node_done() {
  buffer_sum_.test();
  for (size_t b = 0; b < next_start_; ++b)
    if (!buckets_[b].sum.test()) break;  // the oldest running sum first; later ones wait behind it
}

void GradReducer::pack(Bucket& bucket) {
  const auto t0 = Clock::now();
  const size_t counts = bucket.values.size() - bucket.params.size();
  for (size_t j = 0; j < bucket.params.size(); ++j) {
    const Var& var = params_[bucket.params[j]].second;
    float* out = bucket.values.data() + bucket.offsets[j];
    const auto n = static_cast<size_t>(var.data().numel());
    const Tensor& grad = var.grad();
    if (grad.defined() && grad.is_plain()) {
      std::copy_n(grad.f32_buffer().data(), n, out);
      bucket.values[counts + j] = 1.0f;
    } else if (grad.defined()) {
      const std::vector<float> plain = grad.to_plain();  // a blocked layout: reordered
      std::copy(plain.begin(), plain.end(), out);
      bucket.values[counts + j] = 1.0f;
    } else {
      std::fill_n(out, n, 0.0f);
      bucket.values[counts + j] = 0.0f;
    }
  }
  times_.pack += seconds_since(t0);
}

void GradReducer::start_ready_buckets() {
  while (next_start_ < buckets_.size() && buckets_[next_start_].ready == buckets_[next_start_].params.size()) {
    Bucket& bucket = buckets_[next_start_++];
    pack(bucket);
    bucket.sum = world_.start_sum(bucket.values);
  }
}

void GradReducer::unpack(Bucket& bucket) {
  const auto t0 = Clock::now();
  const size_t counts = bucket.values.size() - bucket.params.size();
  const float inverse = 1.0f / static_cast<float>(world_.size());
  for (size_t j = 0; j < bucket.params.size(); ++j) {
    const Var& var = params_[bucket.params[j]].second;
    if (bucket.values[counts + j] == 0.0f) {
      var.set_grad(Tensor());  // no rank had a gradient for it
      continue;
    }
    const auto n = static_cast<size_t>(var.data().numel());
    const float* sum = bucket.values.data() + bucket.offsets[j];
    Tensor average(plain_desc(var.dims()));
    const auto out = average.f32_buffer();
    for (size_t k = 0; k < n; ++k) out[k] = sum[k] * inverse;
    var.set_grad(average.to_layout(var.data().desc()));  // no copy when the parameter is plain
  }
  times_.pack += seconds_since(t0);
}

void GradReducer::finish() {
  for (Bucket& bucket : buckets_) bucket.ready = bucket.params.size();  // what backward did not reach
  start_ready_buckets();
  const auto t0 = Clock::now();
  buffer_sum_.wait();
  for (Bucket& bucket : buckets_) bucket.sum.wait();
  times_.wait = seconds_since(t0);
  for (Bucket& bucket : buckets_) unpack(bucket);
  const float inverse = 1.0f / static_cast<float>(world_.size());
  size_t at = 0;
  for (const Tensor& b : buffers_)
    for (float& v : b.f32_buffer()) v = buffer_values_[at++] * inverse;
}

}  // namespace minnow
