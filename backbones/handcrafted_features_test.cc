#include "backbones/handcrafted_features.h"

#include <gtest/gtest.h>

#include <cmath>
#include <utility>
#include <vector>

namespace dimp::backbones {
namespace {

// A patch of vertical stripes: horizontal gradients only.
at::Tensor stripes(int64_t size, int64_t period) {
  auto xs = at::arange(size, at::kFloat);
  auto v = ((xs / period).floor().remainder(2) * 200 + 20).view({1, 1, 1, size}).expand({1, 3, size, size});
  return v.contiguous();
}

TEST(HandcraftedFeatures, ShapeAndChannelCount) {
  HandcraftedFeatures f({4, 9, true});
  EXPECT_EQ(f.channels(), 18 + 9 + 1 + 3);
  EXPECT_EQ(f.stride(), 4);
  auto x = f.extract(at::rand({2, 3, 64, 48}) * 255).classification;
  EXPECT_EQ(x.sizes(), (at::IntArrayRef{2, 31, 16, 12}));
  EXPECT_TRUE(f.extract(at::rand({1, 3, 32, 32})).box.empty());
}

TEST(HandcraftedFeatures, VerticalEdgesFillTheHorizontalOrientationBins) {
  HandcraftedFeatures f({4, 9, /*color=*/false, /*signed=*/false});
  auto x = f.extract(stripes(64, 8)).classification;  // (1, 9 + 1, 16, 16), centred per patch
  // Unsigned bin 0 (gradient along x) varies most over the patch; the vertical bin (4) least.
  auto spread = x[0].narrow(0, 0, 9).std({1, 2});
  EXPECT_EQ(spread.argmax().item<int64_t>(), 0);
  EXPECT_LT(spread[4].item<float>(), 0.1f * spread[0].item<float>());
}

TEST(HandcraftedFeatures, GreyImagesHaveNoChromaAndFlatImagesNoGradients) {
  HandcraftedFeatures f({4, 9, true});
  auto grey = (at::rand({1, 1, 32, 32}) * 255).expand({1, 3, 32, 32}).contiguous();
  auto x = f.extract(grey).classification;
  EXPECT_LT(x[0].narrow(0, 28, 2).abs().max().item<float>(), 1e-4f);  // opponent chroma channels
  HandcraftedFeatures hog({4, 9, false});
  auto flat = hog.extract(at::full({1, 3, 32, 32}, 90.f)).classification;
  EXPECT_LT(flat.abs().max().item<float>(), 1e-4f);
}

// The fused CPU histograms against the tensor-op formulation (conv, max/gather, atan2,
// scatter_add, avg_pool): random colour images, stripes, flat images (no gradient), both
// orientation ranges, cell sizes 1-6 and non-square sizes.
TEST(HandcraftedFeatures, FusedOrientationHistogramsEqualTheTensorOps) {
  at::manual_seed(3);
  const std::vector<at::Tensor> images{at::rand({3, 3, 24, 36}), stripes(32, 3) / 255, at::full({1, 3, 8, 8}, 0.4f),
                                       at::rand({2, 3, 30, 18}).pow(3)};
  for (const auto& img : images) {
    for (const int64_t cell : {1, 2, 3, 4, 6}) {
      if (img.size(2) % cell != 0 || img.size(3) % cell != 0) continue;
      for (const auto& [bins, period] : {std::pair<int64_t, double>{18, 2 * M_PI}, {9, M_PI}}) {
        const auto fused = orientation_cells(img, bins, period, cell);
        const auto reference = orientation_cells(img, bins, period, cell, /*tensor_ops=*/true);
        ASSERT_EQ(fused.sizes(), reference.sizes());
        EXPECT_TRUE(at::allclose(fused, reference, 1e-4, 1e-5))
            << img.sizes() << " cell " << cell << " bins " << bins << ": max difference "
            << (fused - reference).abs().max().item<float>();
      }
    }
  }
  EXPECT_GT(orientation_cells(images[0], 18, 2 * M_PI, 4).abs().sum().item<float>(), 0);
  EXPECT_THROW(orientation_cells(at::rand({1, 3, 10, 8}), 9, M_PI, 4), c10::Error);
  EXPECT_THROW(orientation_cells(at::rand({1, 3, 8, 8}), 9, M_PI, 0), c10::Error);
  EXPECT_THROW(orientation_cells(at::rand({1, 3, 8, 8}), 0, M_PI, 4), c10::Error);
}

TEST(HandcraftedFeatures, BadInputsAreRejected) {
  HandcraftedFeatures f;
  EXPECT_THROW(f.extract(at::rand({1, 3, 30, 32})), c10::Error);  // not a multiple of the cell
  EXPECT_THROW(f.extract(at::rand({1, 1, 32, 32})), c10::Error);
  EXPECT_THROW(HandcraftedFeatures({0, 9, true}), c10::Error);
  EXPECT_THROW(HandcraftedFeatures({4, 0, false}), c10::Error);
}

}  // namespace
}  // namespace dimp::backbones
