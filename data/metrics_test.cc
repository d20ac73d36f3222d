#include "data/metrics.h"

#include <gtest/gtest.h>

#include <cmath>

#include "data/sequence.h"
#include "tests/testing.h"

namespace dimp::data {
namespace {

TEST(Metrics, HandComputedSuccessAndPrecision) {
  // Overlaps 1, 0.5, 0 (disjoint) and centre errors 0, 5, 50.
  std::vector<bbox::Box> gt{{0, 0, 10, 10}, {0, 0, 10, 10}, {0, 0, 10, 10}};
  std::vector<bbox::Box> pred{{0, 0, 10, 10}, {0, 0, 10, 5}, {50, 0, 10, 10}};
  auto m = evaluate(pred, gt);
  ASSERT_EQ(m.frames, 3);
  EXPECT_DOUBLE_EQ(m.overlaps[1], 0.5);
  EXPECT_DOUBLE_EQ(m.center_errors[1], 2.5);
  // Success at threshold t: fraction with IoU > t. t = 0: 2/3, t in [0.05, 0.45]: 2/3,
  // t = 0.5..0.95: 1/3, t = 1: 0.
  EXPECT_NEAR(m.success_curve[0], 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.success_curve[9], 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.success_curve[10], 1.0 / 3, 1e-12);
  EXPECT_NEAR(m.success_curve[20], 0.0, 1e-12);
  EXPECT_NEAR(m.auc, (10 * 2.0 / 3 + 10 * 1.0 / 3) / 21, 1e-12);
  EXPECT_NEAR(m.precision_20, 2.0 / 3, 1e-12);
  EXPECT_NEAR(m.average_overlap, 0.5, 1e-12);
  EXPECT_NEAR(m.success_50, 1.0 / 3, 1e-12);  // SR@0.5 counts IoU > 0.5
}

TEST(Metrics, AbsentGroundTruthIsSkippedAndMissingPredictionsCountAsMisses) {
  std::vector<bbox::Box> gt{{0, 0, 10, 10}, {0, 0, 0, 0}, {NAN, NAN, NAN, NAN}, {0, 0, 10, 10}};
  std::vector<bbox::Box> pred{{0, 0, 10, 10}, {1, 1, 5, 5}, {1, 1, 5, 5}, {-1, -1, -1, -1}};
  auto m = evaluate(pred, gt);
  EXPECT_EQ(m.frames, 2);
  EXPECT_DOUBLE_EQ(m.overlaps[1], 0.0);
  EXPECT_TRUE(std::isinf(m.center_errors[1]));
  EXPECT_NEAR(m.precision_20, 0.5, 1e-12);
  EXPECT_THROW(evaluate(pred, {gt[0]}), std::invalid_argument);
}

TEST(Metrics, SelectedFramesOnly) {
  std::vector<bbox::Box> gt{{0, 0, 10, 10}, {0, 0, 10, 10}, {0, 0, 10, 10}};
  std::vector<bbox::Box> pred{{0, 0, 10, 10}, {50, 0, 10, 10}, {0, 0, 10, 5}};
  auto m = evaluate(pred, gt, {1, 0, 1});
  EXPECT_EQ(m.frames, 2);
  EXPECT_DOUBLE_EQ(m.average_overlap, 0.75);
  EXPECT_EQ(evaluate(pred, gt, {0, 0, 0}).frames, 0);
  EXPECT_THROW(evaluate(pred, gt, {1, 1}), std::invalid_argument);
}

TEST(Metrics, NormalisedPrecisionScalesByTheTargetSize) {
  std::vector<bbox::Box> gt{{0, 0, 100, 10}};
  std::vector<bbox::Box> pred{{10, 0, 100, 10}};  // 10 px along x = 0.1 of the width
  auto m = evaluate(pred, gt);
  EXPECT_NEAR(m.norm_center_errors[0], 0.1, 1e-12);
  EXPECT_DOUBLE_EQ(m.norm_precision, 1.0);
}

TEST(Metrics, DatasetCurvesAverageSequencesAndAOPoolsFrames) {
  std::vector<bbox::Box> g1(1, {0, 0, 10, 10}), g2(3, {0, 0, 10, 10});
  auto a = evaluate({{0, 0, 10, 10}}, g1);                                        // AUC 20/21
  auto b = evaluate({{50, 0, 10, 10}, {50, 0, 10, 10}, {50, 0, 10, 10}}, g2);      // AUC 0
  auto d = aggregate({a, b});
  EXPECT_EQ(d.sequences, 2);
  EXPECT_NEAR(d.auc, 0.5 * 20.0 / 21, 1e-12);
  EXPECT_NEAR(d.average_overlap, 0.25, 1e-12);  // 1 of 4 frames
}

// A real sequence with a fixed box file: the first frame's box held still. Figures computed
// by hand from Crossing's ground truth (see the comment below).
TEST(Metrics, RealSequenceWithAStillBox) {
  DIMP_REQUIRE_DATA(root);
  auto seq = read_otb_sequence(root + "/otb/Crossing");
  std::vector<bbox::Box> still(seq.size(), seq.ground_truth[0]);
  auto m = evaluate(still, seq.ground_truth);
  // The pedestrian walks left; a box held at the first position overlaps for the first frames
  // only. Independently: overlaps recomputed here with the plain formula.
  int overlapping = 0;
  for (const auto& g : seq.ground_truth) {
    const double ix = std::max(0.0, std::min(g.x + g.w, 221.0) - std::max(g.x, 204.0));
    const double iy = std::max(0.0, std::min(g.y + g.h, 200.0) - std::max(g.y, 150.0));
    overlapping += ix * iy > 0;
  }
  EXPECT_NEAR(m.success_curve[0], static_cast<double>(overlapping) / seq.size(), 1e-12);
  EXPECT_EQ(m.frames, 120);
  EXPECT_DOUBLE_EQ(m.overlaps[0], 1.0);
  EXPECT_LT(m.auc, 0.2);
}

}  // namespace
}  // namespace dimp::data
