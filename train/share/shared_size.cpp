// shared_size and its line; the relative-index entries counted as Deep Compression stores them.
#include "train/share/shared_size.h"

#include <cstdio>
#include <set>

#include "core/error.h"
#include "train/share/bit_pack.h"
#include "train/share/prepare_share.h"

namespace minnow {

int64_t relative_index_entries(std::span<const uint8_t> codes, bool pinned_zero, int gap_bits) {
  MINNOW_CHECK(gap_bits >= 1 && gap_bits <= 16, "relative_index_entries: gap_bits must be in [1, 16], got ", gap_bits);
  const int64_t max_gap = int64_t{1} << gap_bits;  // a gap of 1..2^gap_bits positions fits
  int64_t entries = 0, previous = -1;
  for (int64_t i = 0; i < static_cast<int64_t>(codes.size()); ++i) {
    if (pinned_zero && codes[static_cast<size_t>(i)] == 0) continue;
    for (; i - previous > max_gap; previous += max_gap) ++entries;  // filler zeros
    ++entries;
    previous = i;
  }
  return entries;
}

SharedSize shared_size(Module& model) {
  SharedSize size;
  std::set<std::string> shared;
  for (const SharedLayer& l : shared_layers(model)) {
    const WeightCodebook& c = *l.codebook;
    const int64_t n = c.indices().numel();
    const int64_t codebook_bytes = int64_t{4} << c.bits();
    const int gap_bits = c.indices().dims().size() == 4 ? kConvGapBits : kLinearGapBits;  // conv: 4-D weights
    const int64_t entries =
        relative_index_entries({c.indices().data<uint8_t>(), static_cast<size_t>(n)}, c.pinned_zero(), gap_bits);
    ++size.layers;
    size.bits = c.bits();
    size.shared_weights += n;
    size.sparse_entries += entries;
    size.weights_float_bytes += 4 * n;
    size.weights_shared_bytes += packed_bytes(n, c.bits()) + codebook_bytes;
    size.weights_sparse_bytes += packed_bytes(entries, c.bits() + gap_bits) + codebook_bytes;
    shared.insert(l.name + ".weight");
  }
  for (const NamedParameter& p : model.named_parameters())
    if (!shared.count(p.name) && !is_codebook_tensor(p.name)) size.other_bytes += 4 * product(p.shape);
  return size;
}

std::string shared_size_line(const SharedSize& s) {
  auto ratio = [](int64_t a, int64_t b) { return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0; };
  auto ll = [](int64_t v) { return static_cast<long long>(v); };
  char line[600];
  std::snprintf(line, sizeof(line),
                "shared: %lld weights in %lld layers, %lld bytes as 32-bit floats -> %lld bytes as %d-bit indices + "
                "codebooks (%.2fx), %lld bytes in the sparse relative-index form (%lld entries, %.2fx); all "
                "parameters %lld -> %lld bytes (%.2fx), sparse %lld bytes (%.2fx)",
                ll(s.shared_weights), ll(s.layers), ll(s.weights_float_bytes), ll(s.weights_shared_bytes), s.bits,
                ratio(s.weights_float_bytes, s.weights_shared_bytes), ll(s.weights_sparse_bytes), ll(s.sparse_entries),
                ratio(s.weights_float_bytes, s.weights_sparse_bytes), ll(s.float_bytes()), ll(s.shared_bytes()),
                ratio(s.float_bytes(), s.shared_bytes()), ll(s.sparse_bytes()),
                ratio(s.float_bytes(), s.sparse_bytes()));
  return line;
}

}  // namespace minnow
