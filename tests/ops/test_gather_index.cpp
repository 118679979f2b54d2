// gather_by_index against a naive double loop (forward and the summed backward), finite
// differences, PyTorch's advanced indexing (tests/parity/ops/share.py), and argument errors.
#include <gtest/gtest.h>

#include <vector>

#include "core/grad_mode.h"
#include "ops/gather_index.h"
#include "tests/support/errors.h"
#include "tests/support/gradcheck.h"
#include "tests/support/random.h"
#include "tests/support/torch_parity.h"

namespace minnow {
namespace {

// u8 indices in [0, k) with the weight's dims; entry k - 1 is left unused when skip_last.
Tensor random_indices(const Dims& dims, int64_t k, Rng& rng, bool skip_last = false) {
  std::vector<float> v(static_cast<size_t>(product(dims)));
  for (float& x : v) x = static_cast<float>(rng.below(static_cast<uint64_t>(skip_last ? k - 1 : k)));
  return Tensor::from_plain(dims, v, DType::u8);
}

TEST(GatherIndex, MatchesReference) {
  Rng rng(3);
  const int64_t k = 16;
  const Dims dims{8, 3, 3, 3};  // (out, in, kh, kw)
  const Tensor idx = random_indices(dims, k, rng, true);
  const Var codebook = test_support::random_var({k}, rng);
  const Tensor dy = test_support::random_tensor(dims, rng);
  const Var y = gather_by_index(codebook, idx);
  y.backward(dy);

  const std::vector<float> c = codebook.data().to_plain(), g = dy.to_plain(), got = y.data().to_plain();
  const std::vector<float> ids = idx.to_plain();
  ASSERT_EQ(y.dims(), dims);
  std::vector<double> dc(static_cast<size_t>(k), 0.0);
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto j = static_cast<size_t>(ids[i]);
    EXPECT_EQ(got[i], c[j]) << "y[" << i << "]";
    dc[j] += g[i];
  }
  const std::vector<float> dcodebook = codebook.grad().to_plain();
  EXPECT_EQ(dcodebook[static_cast<size_t>(k - 1)], 0.0f) << "an unused centroid gets no gradient";
  EXPECT_LE(test_support::closeness(dcodebook, dc, 1e-6, 1e-6), 1.0);
}

TEST(GatherIndex, FiniteDifferences) {
  Rng rng(4);
  const Tensor idx = random_indices({5, 7}, 4, rng);
  test_support::GradcheckOptions options;
  options.max_elements = 0;  // all four centroids
  test_support::expect_gradcheck([&](const std::vector<Var>& in) { return gather_by_index(in[0], idx); },
                                 {test_support::random_tensor({4}, rng)}, options);
}

TEST(GatherIndex, MatchesPyTorch) {
  Rng rng(5);
  test_support::TorchParity torch;
  struct Got {
    std::string id;
    std::vector<float> y, dcodebook;
  };
  std::vector<Got> got;
  for (const int bits : {1, 4, 8}) {
    const int64_t k = int64_t{1} << bits;
    const Dims dims{16, 4, 3, 3};
    const Tensor idx = random_indices(dims, k, rng);
    const Var codebook = test_support::random_var({k}, rng);
    const Tensor dy = test_support::random_tensor(dims, rng);
    const Var y = gather_by_index(codebook, idx);
    y.backward(dy);
    const std::string id = "bits" + std::to_string(bits);
    torch.add(id, "gather_by_index", "{}", {{"codebook", codebook.data()}, {"indices", idx}, {"dy", dy}});
    got.push_back({id, y.data().to_plain(), codebook.grad().to_plain()});
  }
  torch.run();
  for (const Got& g : got) {
    EXPECT_EQ(g.y, torch.result(g.id, "y")) << g.id << " y";
    test_support::expect_matches_torch(g.dcodebook, torch.result(g.id, "dcodebook"), 1e-5, 1e-5, g.id + " dcodebook");
  }
}

TEST(GatherIndex, RecordsOnlyWhenTheCodebookWantsAGradient) {
  Rng rng(6);
  const Tensor idx = random_indices({3, 3}, 4, rng);
  EXPECT_FALSE(gather_by_index(test_support::random_var({4}, rng, false), idx).requires_grad());
  const NoGrad no_grad;
  EXPECT_FALSE(gather_by_index(test_support::random_var({4}, rng), idx).requires_grad());
}

TEST(GatherIndex, Errors) {
  Rng rng(7);
  const Var codebook = test_support::random_var({4}, rng);
  test_support::expect_error(
      [&] {
        gather_by_index(codebook, Tensor::full({2, 2}, 4.0f));
      },
      "gather_by_index: indices must be plain u8, got [2, 2] f32");
  test_support::expect_error(
      [&] {
        gather_by_index(codebook, Tensor::from_plain({2}, std::vector{1.0f, 4.0f}, DType::u8));
      },
      "gather_by_index: indices must be < 4 (the codebook's size), got 4");
  test_support::expect_error(
      [&] {
        gather_by_index(test_support::random_var({2, 2}, rng), random_indices({2}, 2, rng));
      },
      "gather_by_index: codebook must be (K) f32, got [2, 2] f32");
}

}  // namespace
}  // namespace minnow
