// Seeded, reproducible random numbers: xoshiro256** seeded through splitmix64.
// The whole state is four words, so checkpoints save and restore it exactly.
// Distributions are written here (not <random>) so results match on every platform.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace minnow {

class Rng {
 public:
  using State = std::array<uint64_t, 4>;

  explicit Rng(uint64_t seed = 0);

  uint64_t next_u64();
  // Uniform in [0, 1) with 24 random bits.
  float uniform();
  float uniform(float lo, float hi);
  // Uniform integer in [0, n), unbiased. n > 0.
  uint64_t below(uint64_t n);
  // Standard normal (Box-Muller; consumes two uniforms per call).
  float normal();
  float normal(float mean, float stddev);

  void fill_uniform(std::span<float> out, float lo, float hi);
  void fill_normal(std::span<float> out, float mean, float stddev);

  // A generator for an independent stream, derived from this seed and a tag
  // (for example (seed, epoch) for the loader's shuffle). Does not advance *this.
  Rng fork(uint64_t tag) const;

  const State& state() const { return state_; }
  void set_state(const State& state) { state_ = state; }

 private:
  State state_{};
};

}  // namespace minnow
