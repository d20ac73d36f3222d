#include "bbox/jitter.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dimp::bbox {
namespace {

TEST(Jitter, ScaleIsLogNormalAndCentreStaysInItsSquare) {
  std::mt19937_64 rng(11);
  const Box b{100, 50, 40, 20};
  const JitterOptions opt{0.5, 0.25};
  double sum_log = 0, sum_log2 = 0;
  const int n = 20000;
  for (int i = 0; i < n; ++i) {
    Box j = jitter_box(b, opt, rng);
    const double lw = std::log(j.w / b.w);
    sum_log += lw;
    sum_log2 += lw * lw;
    const double max_offset = std::sqrt(j.w * j.h) * opt.center_factor;
    EXPECT_LE(std::abs(j.cx() - b.cx()), 0.5 * max_offset + 1e-9);
    EXPECT_LE(std::abs(j.cy() - b.cy()), 0.5 * max_offset + 1e-9);
  }
  const double mean = sum_log / n, sd = std::sqrt(sum_log2 / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, 0.01);
  EXPECT_NEAR(sd, 0.25, 0.01);
}

TEST(Jitter, ZeroJitterIsIdentity) {
  std::mt19937_64 rng(1);
  const Box b{1, 2, 3, 4};
  const Box j = jitter_box(b, {0, 0}, rng);
  EXPECT_NEAR(j.x, b.x, 1e-12);
  EXPECT_NEAR(j.y, b.y, 1e-12);
  EXPECT_NEAR(j.w, b.w, 1e-12);
  EXPECT_NEAR(j.h, b.h, 1e-12);
}

TEST(Jitter, PerturbedBoxesReachTheRequestedOverlap) {
  std::mt19937_64 rng(5);
  const Box b{10, 10, 50, 30};
  for (int i = 0; i < 500; ++i) {
    auto p = perturb_box(b, 0.5, 0.3, rng);
    EXPECT_GT(p.iou, 0.5);
    EXPECT_DOUBLE_EQ(p.iou, iou(b, p.box));
  }
}

TEST(Jitter, InvalidBoxIsRejected) {
  std::mt19937_64 rng(5);
  EXPECT_THROW(jitter_box({0, 0, 0, 5}, {}, rng), std::invalid_argument);
  EXPECT_THROW(perturb_box({0, 0, 5, -1}, 0.5, 0.1, rng), std::invalid_argument);
}

TEST(BoxGmm, DensitiesIntegrateToOneUnderImportanceSampling) {
  // E_q[p_gt / q] = ∫ p_gt = 1 and E_q[1 / q · 1{y in a cube}] = the cube's volume: both hold
  // only if q is the density the draws really follow and p_gt a normalised density.
  std::mt19937_64 rng(5);
  const Box mean{40, 30, 80, 20};
  const std::vector<RelativeSigma> mix{{0.05, 0.05}, {0.5, 0.5}};
  const int n = 200000;
  double ratio = 0, cube = 0, var_x = 0, var_w = 0;
  for (int i = 0; i < n; ++i) {
    const auto p = sample_box_gmm(mean, mix, {0.05, 0.05}, rng);
    const auto y = relative_offset(mean, p.box);
    EXPECT_NEAR(p.proposal_density, box_gmm_density(y, mix), 1e-9 * p.proposal_density);
    ratio += p.gt_density / p.proposal_density;
    bool inside = true;
    for (double v : y) inside = inside && std::abs(v) < 0.1;
    if (inside) cube += 1 / p.proposal_density;
    var_x += y[0] * y[0];
    var_w += y[2] * y[2];
  }
  EXPECT_NEAR(ratio / n, 1.0, 0.03);
  EXPECT_NEAR(cube / n, std::pow(0.2, 4), 0.05 * std::pow(0.2, 4));
  const double mixture_var = (0.05 * 0.05 + 0.5 * 0.5) / 2;
  EXPECT_NEAR(var_x / n, mixture_var, 0.02 * mixture_var);
  EXPECT_NEAR(var_w / n, mixture_var, 0.02 * mixture_var);
}

TEST(BoxGmm, ClosedFormDensityAndRelativeSpace) {
  const Box mean{10, 20, 50, 40};
  // One unit component at its mean: (2π)^-2.
  EXPECT_NEAR(box_gmm_density({0, 0, 0, 0}, {{1, 1}}), 1 / (4 * M_PI * M_PI), 1e-12);
  // Two components average: at y = (1, 0, 0, 0) with sigmas 1 and 2.
  const double g1 = std::exp(-0.5) * std::pow(std::sqrt(2 * M_PI), -4);
  const double g2 = std::exp(-0.125) * std::pow(2 * std::sqrt(2 * M_PI), -4);
  EXPECT_NEAR(box_gmm_density({1, 0, 0, 0}, {{1, 1}, {2, 2}}), (g1 + g2) / 2, 1e-12);
  // The relative space: a box twice as wide, shifted by half the mean's width.
  const Box b = from_center({mean.cx() + 25, mean.cy(), 100, 40});
  const auto y = relative_offset(mean, b);
  EXPECT_NEAR(y[0], 0.5, 1e-12);
  EXPECT_NEAR(y[1], 0.0, 1e-12);
  EXPECT_NEAR(y[2], std::log(2.0), 1e-12);
  EXPECT_NEAR(y[3], 0.0, 1e-12);
}

TEST(BoxGmm, RefusesBadInput) {
  std::mt19937_64 rng(1);
  EXPECT_THROW(sample_box_gmm({0, 0, 0, 10}, {{0.1, 0.1}}, {0.05, 0.05}, rng), std::invalid_argument);
  EXPECT_THROW(sample_box_gmm({0, 0, 10, 10}, {}, {0.05, 0.05}, rng), std::invalid_argument);
  EXPECT_THROW(sample_box_gmm({0, 0, 10, 10}, {{0.0, 0.1}}, {0.05, 0.05}, rng), std::invalid_argument);
  EXPECT_THROW(sample_box_gmm({0, 0, 10, 10}, {{0.1, 0.1}}, {0.05, -1}, rng), std::invalid_argument);
  EXPECT_THROW(box_gmm_density({0, 0, 0}, {{1, 1}}), std::invalid_argument);
}

}  // namespace
}  // namespace dimp::bbox
