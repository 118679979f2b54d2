// The weight-sharing export's pieces: k-bit packing round trips at every width, the size
// arithmetic on a model whose sizes are counted by hand, and the "minnow-shared-1" file
// expanding back to the float export that the shared model computes with.
#include <gtest/gtest.h>

#include <memory>

#include "core/rng.h"
#include "models/layers.h"
#include "models/sequential.h"
#include "tests/support/errors.h"
#include "train/config.h"
#include "train/share/bit_pack.h"
#include "train/share/prepare_share.h"
#include "train/share/shared_file.h"
#include "train/share/shared_size.h"
#include "train/state_dict.h"

namespace minnow {
namespace {

TEST(ShareBitPack, RoundTripsEveryWidth) {
  Rng rng(9);
  for (int bits = 1; bits <= 8; ++bits) {
    for (const size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{13}, size_t{100}}) {
      std::vector<uint8_t> codes(n);
      for (uint8_t& c : codes) c = static_cast<uint8_t>(rng.below(uint64_t{1} << bits));
      const std::vector<uint8_t> packed = pack_bits(codes, bits);
      EXPECT_EQ(static_cast<int64_t>(packed.size()), (static_cast<int64_t>(n) * bits + 7) / 8);
      EXPECT_EQ(unpack_bits(packed, bits, static_cast<int64_t>(n)), codes) << bits << " bits, " << n << " codes";
    }
  }
  // 3-bit codes 5, 2, 7: stream bits 101 010 111 from bit 0 -> bytes 0b11010101, 0b00000001.
  EXPECT_EQ(pack_bits(std::vector<uint8_t>{5, 2, 7}, 3), (std::vector<uint8_t>{0xD5, 0x01}));
  test_support::expect_error([] { pack_bits(std::vector<uint8_t>{4}, 2); }, "pack_bits: code 0 must be < 4, got 4");
  test_support::expect_error([] { unpack_bits(std::vector<uint8_t>{0}, 3, 3); },
                             "unpack_bits: 3 codes of 3 bits take 2 bytes, got 1");
}

// conv (4, 3, 3, 3) without bias, then linear (2, 4) with a bias: 108 + 8 shared weights.
std::shared_ptr<Sequential> tiny_model(int bits) {
  auto model = std::make_shared<Sequential>();
  model->add(std::make_shared<Conv2d>(Conv2d::Options{.in = 3, .out = 4, .kernel = 3, .bias = false}));
  model->add(std::make_shared<Linear>(Linear::Options{.in = 4, .out = 2}));
  ShareConfig config;
  config.enabled = true;
  config.bits = bits;
  for (const SharedLayer& l : prepare_share(*model, config)) l.codebook->cluster(l.weight.data());
  return model;
}

TEST(ShareSize, CountsIndicesCodebooksAndTheRest) {
  const SharedSize s = shared_size(*tiny_model(3));
  EXPECT_EQ(s.layers, 2);
  EXPECT_EQ(s.shared_weights, 116);
  EXPECT_EQ(s.weights_float_bytes, 4 * 116);
  // conv: ceil(108 * 3 / 8) = 41 index bytes + 8 centroids * 4; linear: ceil(8 * 3 / 8) = 3 + 32.
  EXPECT_EQ(s.weights_shared_bytes, (41 + 32) + (3 + 32));
  // Nothing pruned: every weight is an entry. conv: ceil(108 * (3 + 8) / 8) = 149; linear: 8 * (3 + 5) / 8 = 8.
  EXPECT_EQ(s.sparse_entries, 116);
  EXPECT_EQ(s.weights_sparse_bytes, (149 + 32) + (8 + 32));
  EXPECT_EQ(s.other_bytes, 2 * 4);  // the linear's bias
  EXPECT_EQ(s.float_bytes(), 464 + 8);
  EXPECT_EQ(s.shared_bytes(), 108 + 8);
  EXPECT_EQ(s.sparse_bytes(), 221 + 8);
  EXPECT_EQ(shared_size_line(s),
            "shared: 116 weights in 2 layers, 464 bytes as 32-bit floats -> 108 bytes as 3-bit indices + codebooks "
            "(4.30x), 221 bytes in the sparse relative-index form (116 entries, 2.10x); all parameters 472 -> 116 "
            "bytes (4.07x), sparse 229 bytes (2.06x)");
}

TEST(ShareSize, RelativeIndexEntriesWithFillers) {
  std::vector<uint8_t> codes(40, 0);
  codes[0] = 1, codes[3] = 2, codes[39] = 3;
  // 5-bit gaps (up to 32 positions): 0, 3, a filler at 35, 39.
  EXPECT_EQ(relative_index_entries(codes, true, 5), 4);
  // 2-bit gaps (up to 4): 0, 3, fillers at 7, 11, ..., 35 (eight), 39.
  EXPECT_EQ(relative_index_entries(codes, true, 2), 11);
  // Without a pinned zero, code 0 is a weight like any other.
  EXPECT_EQ(relative_index_entries(codes, false, 2), 40);
  std::vector<uint8_t> late(21, 0);
  late[20] = 1;  // fillers at 3, 7, 11, 15, 19 before it
  EXPECT_EQ(relative_index_entries(late, true, 2), 6);
  EXPECT_EQ(relative_index_entries(std::vector<uint8_t>(9, 0), true, 2), 0);  // trailing zeros need no entry
}

TEST(ShareFile, ExpandsToTheSharedWeights) {
  auto model = tiny_model(2);
  ModelConfig model_config;
  model_config.name = "tiny";
  const SafeTensors file = shared_weights_file(*model, model_config);
  EXPECT_EQ(file.metadata.at("format"), kSharedWeightsFormat);
  EXPECT_EQ(file.metadata.at("share.bits"), "2");
  EXPECT_EQ(file.at("0.weight.indices").numel(), 27);  // ceil(108 * 2 / 8)
  EXPECT_EQ(file.find("0.weight"), nullptr);
  EXPECT_EQ(file.find("0.weight_codebook.codebook"), nullptr);

  const SafeTensors expanded = expand_shared_file(file, "test");
  EXPECT_EQ(expanded.metadata.at("format"), "minnow-weights-1");
  const std::vector<SharedLayer> layers = shared_layers(*model);
  ASSERT_EQ(layers.size(), 2u);
  for (const SharedLayer& l : layers)
    EXPECT_EQ(expanded.at(l.name + ".weight").to_plain(), l.codebook->shared_weight().to_plain()) << l.name;
  EXPECT_EQ(expanded.at("1.bias").to_plain(), state_dict(*model).at("1.bias").to_plain());
  EXPECT_EQ(expanded.tensors.size(), 3u);  // 0.weight, 1.weight, 1.bias

  SafeTensors broken = file;
  broken.metadata["share.bits"] = "9";
  test_support::expect_error([&] { expand_shared_file(broken, "f.safetensors"); },
                             "f.safetensors: metadata 'share.bits' should be 1 to 8, got '9'");
}

}  // namespace
}  // namespace minnow
