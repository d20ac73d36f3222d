#include <gtest/gtest.h>

#include "losses/distance_map.h"
#include "losses/hinge_loss.h"
#include "losses/learned_loss.h"
#include "losses/least_squares_loss.h"
#include "losses/loss_concept.h"

namespace dimp::losses {
namespace {

static_assert(is_loss_v<LearnedLoss> && is_loss_v<HingeLoss> && is_loss_v<LeastSquaresLoss>,
              "the shipped losses model the loss concept");
static_assert(!is_loss_v<int>, "the concept check rejects other types");

TEST(Residual, Equation2HandComputed) {
  auto s = at::tensor({-2.0, -0.5, 0.0, 1.5}, at::kDouble);
  ResidualMaps m;
  m.label = at::tensor({0.0, 0.2, 0.5, 1.0}, at::kDouble);
  m.mask = at::tensor({0.0, 0.5, 1.0, 0.25}, at::kDouble);
  m.weight = at::tensor({1.0, 2.0, 1.0, 3.0}, at::kDouble);
  auto r = masked_residual(s, m);
  // v (m s + (1-m) max(0,s) - y)
  EXPECT_DOUBLE_EQ(r[0].item<double>(), 0.0);                       // hinge: negative score, no loss
  EXPECT_DOUBLE_EQ(r[1].item<double>(), 2.0 * (0.5 * -0.5 - 0.2));
  EXPECT_DOUBLE_EQ(r[2].item<double>(), -0.5);
  EXPECT_DOUBLE_EQ(r[3].item<double>(), 3.0 * (1.5 - 1.0));        // positive: least squares
  auto dr = masked_residual_derivative(s, m);
  EXPECT_DOUBLE_EQ(dr[0].item<double>(), 0.0);
  EXPECT_DOUBLE_EQ(dr[1].item<double>(), 1.0);
  EXPECT_DOUBLE_EQ(dr[3].item<double>(), 3.0);
}

TEST(Residual, DerivativeEqualsAutogradAwayFromTheKink) {
  at::manual_seed(2);
  auto s = (at::randn({2, 3, 7, 7}, at::kDouble) + 0.01).requires_grad_();
  ResidualMaps m{at::rand({2, 3, 7, 7}, at::kDouble), at::rand({2, 3, 7, 7}, at::kDouble),
                 at::rand({2, 3, 7, 7}, at::kDouble)};
  masked_residual(s, m).sum().backward();
  EXPECT_TRUE(at::allclose(s.grad(), masked_residual_derivative(s, m)));
}

TEST(LearnedLoss, InitialisationFollowsSection34) {
  LearnedLoss loss({/*num_bins=*/100, /*displacement=*/0.1, /*init_gauss_sigma=*/1.0, /*mask_init_factor=*/4.0});
  auto centre = at::tensor({9.0, 9.0}).view({1, 1, 2});
  auto maps = loss.maps(centre, 19, 19);
  const double min_gauss = std::exp(-0.5 * 9.9 * 9.9);
  // Label: Gaussian minus its minimum; 1 − min at the centre.
  EXPECT_NEAR(maps.label[0][0][9][9].item<float>(), 1.0 - min_gauss, 1e-6);
  EXPECT_NEAR(maps.label[0][0][9][11].item<float>(), std::exp(-2.0) - min_gauss, 1e-6);
  // Weight 1 everywhere; mask sigmoid(4 tanh(2 − d)): ~1 at the centre, ~0 far away.
  EXPECT_TRUE(at::allclose(maps.weight, at::ones_like(maps.weight)));
  EXPECT_NEAR(maps.mask[0][0][9][9].item<float>(), 1.0 / (1.0 + std::exp(-4.0 * std::tanh(2.0))), 1e-6);
  EXPECT_LT(maps.mask[0][0][0][0].item<float>(), 0.03);
  EXPECT_NEAR(loss.regularization().item<float>(), 1e-4, 1e-9);
  auto params = loss.parameters();
  ASSERT_EQ(params.size(), 4u);
  EXPECT_EQ(params[0].first, "label_map_predictor.weight");
  EXPECT_EQ(params[0].second.sizes(), (at::IntArrayRef{1, 100, 1, 1}));
}

TEST(LearnedLoss, RegularisationHasAFloor) {
  LearnedLoss loss;
  loss.filter_reg.fill_(1e-6);
  EXPECT_NEAR(loss.regularization().item<float>(), 1e-6, 1e-12);  // min_filter_reg² = 1e-6
  EXPECT_THROW(LearnedLoss({1, 0.1}), c10::Error);
}

TEST(HingeLoss, MapsImplementEquation8) {
  HingeLoss loss({/*sigma=*/1.0, /*threshold=*/0.05, /*regularization=*/0.1});
  auto maps = loss.maps(at::tensor({3.0, 3.0}, at::kDouble).view({1, 1, 2}), 7, 7);
  // z(d) = exp(-d²/2) > 0.05 <=> d < 2.448.
  EXPECT_EQ(maps.mask[0][0][3][5].item<double>(), 1.0);  // d = 2
  EXPECT_EQ(maps.mask[0][0][3][6].item<double>(), 0.0);  // d = 3
  EXPECT_NEAR(maps.label[0][0][3][5].item<double>(), std::exp(-2.0), 1e-12);
  EXPECT_EQ(maps.label[0][0][3][6].item<double>(), 0.0);
  // Background: only positive scores are penalised.
  auto s = at::full({1, 1, 7, 7}, -1.0, at::kDouble);
  auto r = loss.residual(s, maps);
  EXPECT_EQ(r[0][0][0][0].item<double>(), 0.0);
  EXPECT_NEAR(r[0][0][3][3].item<double>(), -2.0, 1e-12);  // target: s − z = −1 − 1
  EXPECT_NEAR(loss.regularization().item<float>(), 0.1, 1e-7);
}

TEST(LeastSquaresLoss, ResidualIsScoreMinusGaussian) {
  LeastSquaresLoss loss({/*sigma=*/2.0, /*regularization=*/0.0});
  auto c = at::tensor({1.0, 2.0}, at::kDouble).view({1, 1, 2});
  auto maps = loss.maps(c, 5, 5);
  EXPECT_FALSE(maps.mask.defined());
  auto s = at::randn({1, 1, 5, 5}, at::kDouble);
  auto expected = s - gaussian_label(distance_map(c, 5, 5), 2.0);
  EXPECT_TRUE(at::allclose(loss.residual(s, maps), expected));
  EXPECT_TRUE(at::allclose(loss.residual_derivative(s, maps), at::ones_like(s)));
}

}  // namespace
}  // namespace dimp::losses
