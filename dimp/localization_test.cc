#include "dimp/localization.h"

#include <gtest/gtest.h>

namespace dimp {
namespace {

at::Tensor gaussian_peak(int64_t h, int64_t w, double cx, double cy, double height, double sigma = 1.0) {
  auto xs = at::arange(w, at::kFloat).view({1, w}), ys = at::arange(h, at::kFloat).view({h, 1});
  return height * at::exp(-((xs - cx).pow(2) + (ys - cy).pow(2)) / (2 * sigma * sigma));
}

TEST(Localization, SinglePeakIsNormal) {
  auto s = gaussian_peak(19, 19, 12, 7, 1.0).unsqueeze(0);
  auto loc = localize_target(s, 9, 9, 3, 3, {});
  EXPECT_EQ(loc.status, TargetStatus::kNormal);
  EXPECT_EQ(loc.peak_x, 12);
  EXPECT_EQ(loc.peak_y, 7);
  EXPECT_NEAR(loc.max_score, 1.0, 1e-6);
}

TEST(Localization, WeakPeakIsNotFound) {
  auto s = gaussian_peak(19, 19, 5, 5, 0.2).unsqueeze(0);
  EXPECT_EQ(localize_target(s, 9, 9, 3, 3, {}).status, TargetStatus::kNotFound);
}

TEST(Localization, DistractorNearTheOldPositionWinsAndFarOnesAreHardNegatives) {
  LocalizationOptions o;
  // Target where it was (9, 9), distractor far away at 0.9 of its height: hard negative.
  auto s = (gaussian_peak(19, 19, 9, 9, 1.0) + gaussian_peak(19, 19, 17, 2, 0.9)).unsqueeze(0);
  auto a = localize_target(s, 9, 9, 3, 3, o);
  EXPECT_EQ(a.status, TargetStatus::kHardNegative);
  EXPECT_EQ(a.peak_x, 9);
  // The stronger peak far away, the weaker one at the old position: the old position wins.
  auto s2 = (gaussian_peak(19, 19, 17, 2, 1.0) + gaussian_peak(19, 19, 9, 9, 0.9)).unsqueeze(0);
  auto b = localize_target(s2, 9, 9, 3, 3, o);
  EXPECT_EQ(b.status, TargetStatus::kHardNegative);
  EXPECT_EQ(b.peak_x, 9);
  EXPECT_EQ(b.peak_y, 9);
  // Both far from the old position: uncertain.
  auto s3 = (gaussian_peak(19, 19, 17, 2, 1.0) + gaussian_peak(19, 19, 1, 17, 0.9)).unsqueeze(0);
  EXPECT_EQ(localize_target(s3, 9, 9, 3, 3, o).status, TargetStatus::kUncertain);
  // A clearly weaker second peak (0.6 > 0.5): still a hard negative, but not a distractor.
  auto s4 = (gaussian_peak(19, 19, 9, 9, 1.0) + gaussian_peak(19, 19, 17, 2, 0.6)).unsqueeze(0);
  EXPECT_EQ(localize_target(s4, 9, 9, 3, 3, o).status, TargetStatus::kHardNegative);
  auto s5 = (gaussian_peak(19, 19, 9, 9, 1.0) + gaussian_peak(19, 19, 17, 2, 0.3)).unsqueeze(0);
  EXPECT_EQ(localize_target(s5, 9, 9, 3, 3, o).status, TargetStatus::kNormal);
}

// The neighbourhood mask's bounds: rows round(y - h/2) to round(y + h/2 + 1). With the peak at
// row 9 and h = 5 they are 6.5 and 12.5: away from zero [7, 13), halves to even (Python's
// round, pytracking's) [6, 12). A second peak of 0.9 just above or below shows which rows were
// masked: unmasked, it is a distractor near the old position (uncertain).
TEST(Localization, NeighbourhoodBoundsRoundHalvesAwayOrToEven) {
  auto map_with = [](int64_t row) {
    auto s = at::zeros({1, 19, 19});
    s[0][9][9] = 1.0;
    s[0][row][9] = 0.9;
    return s;
  };
  LocalizationOptions away;
  away.target_neighborhood_scale = 1.0;
  LocalizationOptions even = away;
  even.round_half_even = true;
  EXPECT_EQ(localize_target(map_with(6), 9, 9, 5, 5, away).status, TargetStatus::kUncertain);
  EXPECT_EQ(localize_target(map_with(12), 9, 9, 5, 5, away).status, TargetStatus::kNormal);
  EXPECT_EQ(localize_target(map_with(6), 9, 9, 5, 5, even).status, TargetStatus::kNormal);
  EXPECT_EQ(localize_target(map_with(12), 9, 9, 5, 5, even).status, TargetStatus::kUncertain);
}

TEST(Localization, BestScaleIsChosenAndSubpixelPeakIsExactForQuadratics) {
  auto s = at::stack({gaussian_peak(19, 19, 4, 4, 0.5), gaussian_peak(19, 19, 8, 11, 0.9)});
  EXPECT_EQ(localize_target(s, 9, 9, 3, 3, {}).scale_index, 1);
  // A quadratic bowl peaking at (7.3, 10.6).
  auto xs = at::arange(19, at::kFloat).view({1, 19}), ys = at::arange(19, at::kFloat).view({19, 1});
  auto q = (1 - 0.01 * ((xs - 7.3).pow(2) + (ys - 10.6).pow(2))).unsqueeze(0);
  LocalizationOptions o;
  o.subpixel = true;
  o.advanced = false;
  auto loc = localize_target(q, 9, 9, 3, 3, o);
  EXPECT_NEAR(loc.peak_x, 7.3, 1e-4);
  EXPECT_NEAR(loc.peak_y, 10.6, 1e-4);
}

// With several scales the distractor logic reads the winning scale's own prior: the same image
// position lands on different cells in each scale. Here scale 1 wins with two peaks of
// comparable height; in its cells the target was at (9, 9), so the weaker peak there is taken
// and the stronger one far away is a distractor. Scale 0's prior (the target at (17, 2) in its
// cells) would have kept the far peak.
TEST(Localization, TheWinningScalesPriorDecides) {
  auto s1 = gaussian_peak(19, 19, 17, 2, 1.0) + gaussian_peak(19, 19, 9, 9, 0.9);
  auto s = at::stack({0.5 * s1, s1});
  const std::vector<TargetPrior> priors{{17, 2, 3, 3}, {9, 9, 3, 3}};
  auto loc = localize_target(s, priors, {});
  EXPECT_EQ(loc.scale_index, 1);
  EXPECT_EQ(loc.status, TargetStatus::kHardNegative);
  EXPECT_EQ(loc.peak_x, 9);
  EXPECT_EQ(loc.peak_y, 9);
  // Scale 0's prior for every scale gives the other answer: the test can tell them apart.
  auto wrong = localize_target(s, 17, 2, 3, 3, {});
  EXPECT_EQ(wrong.peak_x, 17);
  EXPECT_THROW(localize_target(s, std::vector<TargetPrior>{{9, 9, 3, 3}}, {}), c10::Error);  // one prior, two scales
}

TEST(Localization, CosineWindowIsOneAtTheCentre) {
  auto w = cosine_window(19, 19, at::kFloat);
  EXPECT_NEAR(w[9][9].item<float>(), 1.0f, 1e-6);
  EXPECT_LT(w[0][0].item<float>(), 0.01f);
  EXPECT_THROW(localize_target(at::zeros({19, 19}), 0, 0, 1, 1, {}), c10::Error);
}

}  // namespace
}  // namespace dimp
