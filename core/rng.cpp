// xoshiro256** (Blackman and Vigna) with splitmix64 seeding, plus the few
// distributions minnow needs, each defined exactly so runs reproduce bit for bit.
#include "core/rng.h"

#include <cmath>
#include <numbers>

#include "core/error.h"

namespace minnow {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
  uint64_t s = seed;
  for (auto& word : state_) word = splitmix64(s);
}

uint64_t Rng::next_u64() {
  const uint64_t result = rotl(state_[1] * 5, 7) * 9;
  const uint64_t t = state_[1] << 17;
  state_[2] ^= state_[0];
  state_[3] ^= state_[1];
  state_[1] ^= state_[2];
  state_[0] ^= state_[3];
  state_[2] ^= t;
  state_[3] = rotl(state_[3], 45);
  return result;
}

float Rng::uniform() { return static_cast<float>(next_u64() >> 40) * 0x1.0p-24f; }

float Rng::uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }

uint64_t Rng::below(uint64_t n) {
  MINNOW_CHECK(n > 0, "Rng::below: expected n > 0, got 0");
  // Rejection sampling over the largest multiple of n keeps every value equally likely.
  const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
  uint64_t x = next_u64();
  while (x >= limit) x = next_u64();
  return x % n;
}

float Rng::normal() {
  // 1 - u lies in (0, 1], so the logarithm is finite.
  const double u1 = 1.0 - static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
  const double u2 = static_cast<double>(next_u64() >> 11) * 0x1.0p-53;
  return static_cast<float>(std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2));
}

float Rng::normal(float mean, float stddev) { return mean + stddev * normal(); }

void Rng::fill_uniform(std::span<float> out, float lo, float hi) {
  for (auto& v : out) v = uniform(lo, hi);
}

void Rng::fill_normal(std::span<float> out, float mean, float stddev) {
  for (auto& v : out) v = normal(mean, stddev);
}

Rng Rng::fork(uint64_t tag) const {
  uint64_t s = state_[0] ^ rotl(state_[1], 13) ^ rotl(state_[2], 29) ^ rotl(state_[3], 43);
  s ^= splitmix64(tag);
  return Rng(s);
}

}  // namespace minnow
