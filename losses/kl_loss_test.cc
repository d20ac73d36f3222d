// KLDivergenceLoss against closed forms and autograd: the label density, the score
// gradient, the Hessian's product, the KL identity and the regulariser.
#include "losses/kl_loss.h"

#include <gtest/gtest.h>

#include <torch/csrc/autograd/autograd.h>

#include <cmath>

namespace dimp::losses {
namespace {

KLDivergenceLossOptions with_sigma(double sigma) {
  KLDivergenceLossOptions o;
  o.sigma = sigma;
  return o;
}

TEST(KLDivergenceLoss, LabelIsTheGaussianDensityAtTheCellCentres) {
  KLDivergenceLoss loss(with_sigma(1.2));
  auto centers = at::tensor({5.3, 7.1}, at::kDouble).view({1, 1, 2});  // (x, y)
  auto p = loss.maps(centers, 19, 19).label;
  const double s2 = 1.2 * 1.2;
  const double expected = std::exp(-((5 - 5.3) * (5 - 5.3) + (7 - 7.1) * (7 - 7.1)) / (2 * s2)) / (2 * M_PI * s2);
  EXPECT_NEAR(p[0][0][7][5].item<double>(), expected, 1e-12);  // row y = 7, column x = 5
  EXPECT_NEAR(p.sum().item<double>(), 1.0, 1e-3);               // a density, away from the border

  KLDivergenceLossOptions o = with_sigma(1.2);
  o.normalize = true;
  o.uniform_weight = 0.1;
  o.label_shrink = 0.2;
  auto q = KLDivergenceLoss(o).maps(centers, 19, 19).label;
  EXPECT_NEAR(q.sum().item<double>(), 0.8, 1e-7);  // (1 − shrink)·((1 − u)·1 + u)
  EXPECT_NEAR(q.min().item<double>(), 0.8 * 0.1 / 361, 1e-9);
}

TEST(KLDivergenceLoss, ScoreGradientAndHessianProductEqualAutograd) {
  at::manual_seed(3);
  KLDivergenceLoss loss(with_sigma(0.9));
  auto maps = loss.maps(2 + at::rand({3, 2, 2}, at::kDouble) * 10, 15, 15);
  auto s = (at::randn({3, 2, 15, 15}, at::kDouble) * 2).requires_grad_();
  auto v = at::randn({3, 2, 15, 15}, at::kDouble);
  auto grad = torch::autograd::grad({loss.sample_losses(s, maps).sum()}, {s}, {}, /*retain_graph=*/true,
                                 /*create_graph=*/true)[0];
  EXPECT_TRUE(at::allclose(grad, loss.score_gradient(s, maps), 1e-12, 1e-12));
  auto hv = torch::autograd::grad({(grad * v).sum()}, {s})[0];
  EXPECT_TRUE(at::allclose(hv, KLDivergenceLoss::hessian_product(KLDivergenceLoss::softmax(s.detach()), v), 1e-12,
                           1e-12));
}

// With a normalised label, the sample loss minus its value at s = log p is KL(p || softmax(s)).
TEST(KLDivergenceLoss, SampleLossIsTheKLDivergenceUpToTheLabelsEntropy) {
  at::manual_seed(4);
  KLDivergenceLossOptions o = with_sigma(1.5);
  o.normalize = true;
  o.uniform_weight = 0.05;  // p > 0 everywhere, so log p is finite
  KLDivergenceLoss loss(o);
  auto maps = loss.maps(2 + at::rand({2, 1, 2}, at::kDouble) * 8, 13, 13);
  auto s = at::randn({2, 1, 13, 13}, at::kDouble);
  const auto& p = maps.label;
  auto q = KLDivergenceLoss::softmax(s);
  auto kl = (p * (p / q).log()).sum({-2, -1});
  auto shifted = loss.sample_losses(s, maps) - loss.sample_losses(p.log(), maps);
  EXPECT_TRUE(at::allclose(shifted, kl, 1e-6, 1e-7));  // normalisation adds 1e-8 to the sum
  EXPECT_GT(kl.min().item<double>(), 0);
}

TEST(KLDivergenceLoss, RegularizationIsTheClampedSquareAndLearnable) {
  KLDivergenceLossOptions o;
  o.init_filter_reg = 0.1;
  o.min_filter_reg = 0.05;
  KLDivergenceLoss loss(o);
  loss.set_requires_grad(true);
  auto reg = loss.regularization();
  EXPECT_NEAR(reg.item<double>(), 0.01, 1e-8);
  reg.backward();
  EXPECT_NEAR(loss.filter_reg.grad().item<double>(), 0.2, 1e-7);
  loss.filter_reg = at::full({1}, 0.01f);
  EXPECT_NEAR(loss.regularization().item<double>(), 0.0025, 1e-8);  // below the floor: min²
}

TEST(KLDivergenceLoss, BadOptionsAreRefused) {
  KLDivergenceLossOptions o;
  o.sigma = 0;
  EXPECT_THROW(KLDivergenceLoss{o}, c10::Error);
  o = {};
  o.uniform_weight = 1.5;
  EXPECT_THROW(KLDivergenceLoss{o}, c10::Error);
  o = {};
  o.label_shrink = 1;
  EXPECT_THROW(KLDivergenceLoss{o}, c10::Error);
}

}  // namespace
}  // namespace dimp::losses
