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

}  // namespace
}  // namespace dimp::bbox
