// PrDiMP's training losses against closed forms: with scores s(y) = −y²/(2σ²) (a Gaussian's
// unnormalised log density) and a ground truth N(μ, τ²), log Z − E_gt[s] = log(√(2π)σ) +
// (τ² + μ²)/(2σ²) and log Z − s(μ) = log(√(2π)σ) + μ²/(2σ²); the Monte-Carlo and grid
// estimates must find them.
#include "losses/probabilistic_regression.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dimp::losses {
namespace {

constexpr double kSigma = 1.3, kMu = 0.4, kTau = 0.5, kQ = 2.0;  // model, ground truth, proposals

at::Tensor normal_pdf(const at::Tensor& y, double mean, double sd) {
  return (-(y - mean).pow(2) / (2 * sd * sd)).exp() / (std::sqrt(2 * M_PI) * sd);
}

at::Tensor model_scores(const at::Tensor& y) { return -y.pow(2) / (2 * kSigma * kSigma); }

const double kLogZ = std::log(std::sqrt(2 * M_PI) * kSigma);

TEST(ProbabilisticRegression, MonteCarloKLFindsTheClosedForm) {
  at::manual_seed(1);
  auto y = at::randn({4, 200000}, at::kDouble) * kQ;  // 4 independent estimates
  auto loss = kl_regression_mc(model_scores(y), normal_pdf(y, 0, kQ), normal_pdf(y, kMu, kTau));
  EXPECT_NEAR(loss.item<double>(), kLogZ + (kTau * kTau + kMu * kMu) / (2 * kSigma * kSigma), 5e-3);
}

TEST(ProbabilisticRegression, MonteCarloMLFindsTheClosedForm) {
  at::manual_seed(2);
  auto y = at::cat({at::full({4, 1}, kMu, at::kDouble), at::randn({4, 200000}, at::kDouble) * kQ}, 1);
  auto q = normal_pdf(y, 0, kQ);
  q.select(1, 0).fill_(-1);  // the ground truth's entry is not a proposal density
  auto loss = ml_regression_mc(model_scores(y), q);
  EXPECT_NEAR(loss.item<double>(), kLogZ + kMu * kMu / (2 * kSigma * kSigma), 5e-3);
}

TEST(ProbabilisticRegression, GridKLFindsTheClosedForm) {
  const double step = 0.01;
  auto y = at::arange(-12.0, 12.0, step, at::kDouble).view({1, -1});
  auto loss = kl_regression_grid(model_scores(y), normal_pdf(y, kMu, kTau), {1}, step);
  EXPECT_NEAR(loss.item<double>(), kLogZ + (kTau * kTau + kMu * kMu) / (2 * kSigma * kSigma), 1e-6);
  // 2-D grids: the loss of a product density is the sum of the axes' losses.
  auto s2 = model_scores(y).view({1, -1, 1}) + model_scores(y).view({1, 1, -1});
  auto p2 = normal_pdf(y, kMu, kTau).view({1, -1, 1}) * normal_pdf(y, kMu, kTau).view({1, 1, -1});
  EXPECT_NEAR(kl_regression_grid(s2, p2, {1, 2}, step * step).item<double>(), 2 * loss.item<double>(), 1e-6);
}

TEST(ProbabilisticRegression, MismatchedShapesAreRefused) {
  auto a = at::zeros({2, 5}), b = at::zeros({2, 4});
  EXPECT_THROW(kl_regression_mc(a, b, a), c10::Error);
  EXPECT_THROW(ml_regression_mc(a, b), c10::Error);
  EXPECT_THROW(kl_regression_grid(a, b, {1}), c10::Error);
  EXPECT_THROW(kl_regression_grid(a, a, {1}, 0), c10::Error);
}

}  // namespace
}  // namespace dimp::losses
