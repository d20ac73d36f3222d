// The VOT short-term protocol and measures on hand-computed examples: exact polygon overlaps,
// the supervised run's failures and re-initialisations, accuracy with burn-in, robustness, the
// expected-overlap curve and EAO (including the toolkit's handling of a failure whose
// re-initialisation falls past the end), per-tag scores, and the trajectory file format.
#include "data/vot.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "data/ground_truth.h"
#include "data/sequence.h"
#include "tests/python_support.h"
#include "tests/testing.h"

namespace dimp::data::vot {
namespace {

using Kind = Entry::Kind;

Entry init() { return {Kind::kInitialized, {}}; }
Entry fail() { return {Kind::kFailure, {}}; }
Entry skip() { return {Kind::kSkipped, {}}; }
Entry box(double x, double y, double w, double h) { return {Kind::kRegion, {x, y, w, h}}; }

TEST(VotOverlap, RectanglesPolygonsAndTheImageBorder) {
  EXPECT_DOUBLE_EQ(region_overlap({0, 0, 10, 10}, {0, 0, 10, 5}, 0, 0), 0.5);
  EXPECT_DOUBLE_EQ(region_overlap({0, 0, 10, 10}, {20, 0, 10, 10}, 0, 0), 0.0);
  // A diamond (area 200) inside its 20x20 enclosing box: IoU 200 / 400.
  const Region diamond{50, 40, 60, 50, 50, 60, 40, 50};
  EXPECT_NEAR(region_area(diamond), 200.0, 1e-9);
  EXPECT_NEAR(region_overlap(diamond, {40, 40, 20, 20}, 0, 0), 0.5, 1e-12);
  EXPECT_NEAR(region_overlap({40, 40, 20, 20}, diamond, 0, 0), 0.5, 1e-12);
  EXPECT_NEAR(region_overlap(diamond, diamond, 100, 100), 1.0, 1e-12);
  // Clipped to a 10x10 image, a box half outside it equals its inside half.
  EXPECT_DOUBLE_EQ(region_overlap({5, 0, 10, 10}, {5, 0, 5, 10}, 10, 10), 1.0);
  EXPECT_DOUBLE_EQ(region_overlap({5, 0, 10, 10}, {5, 0, 5, 10}, 0, 0), 0.5);
  // No area, or not finite: no overlap.
  EXPECT_EQ(region_overlap({0, 0, 10, 10}, {0, 0, 0, 10}, 0, 0), 0.0);
  EXPECT_EQ(region_overlap({0, 0, 10, 10}, {NAN, 0, 5, 5}, 0, 0), 0.0);
  EXPECT_THROW(region_overlap({0, 0, 10, 10}, {1, 2, 3}, 0, 0), std::invalid_argument);
  EXPECT_NEAR(region_box(diamond).w * region_box(diamond).h, 200.0, 1e-9);
}

TEST(VotProtocol, AFailureReinitialisesFiveFramesLater) {
  const std::vector<Region> truth(12, Region{0, 0, 10, 10});
  std::vector<size_t> inits, tracked;
  auto trajectory = run_supervised(
      truth, 100, 100, [&](size_t f, const Region& r) { inits.push_back(f); EXPECT_EQ(r, truth[f]); },
      [&](size_t f) -> Region {
        tracked.push_back(f);
        return f == 3 ? Region{50, 50, 10, 10} : Region{0, 0, 10, 10};  // frame 3: off the target
      });
  EXPECT_EQ(inits, (std::vector<size_t>{0, 8}));
  EXPECT_EQ(tracked, (std::vector<size_t>{1, 2, 3, 9, 10, 11}));
  const std::vector<Kind> kinds{Kind::kInitialized, Kind::kRegion,  Kind::kRegion,      Kind::kFailure,
                                Kind::kSkipped,     Kind::kSkipped, Kind::kSkipped,     Kind::kSkipped,
                                Kind::kInitialized, Kind::kRegion,  Kind::kRegion,      Kind::kRegion};
  ASSERT_EQ(trajectory.size(), kinds.size());
  for (size_t i = 0; i < kinds.size(); ++i) EXPECT_EQ(trajectory[i].kind, kinds[i]) << "frame " << i;
  EXPECT_EQ(format_trajectory(trajectory).substr(0, 32), "1\n0.0000,0.0000,10.0000,10.0000\n");
  EXPECT_TRUE(is_supervised_run(trajectory, truth, 100, 100));
  // The same frames tracked without resets (frame 3 lost, no failure marked) are not a baseline run.
  Trajectory unsupervised(12, Entry{Kind::kRegion, {0, 0, 10, 10}});
  unsupervised[0] = init();
  EXPECT_TRUE(is_supervised_run(unsupervised, truth, 100, 100));
  unsupervised[3].region = {50, 50, 10, 10};
  EXPECT_FALSE(is_supervised_run(unsupervised, truth, 100, 100));
  EXPECT_FALSE(is_supervised_run(trajectory, {truth[0]}, 100, 100));
  // A region that only touches the target (overlap 0) is a failure too.
  auto touching = run_supervised(
      {{0, 0, 10, 10}, {0, 0, 10, 10}}, 0, 0, [](size_t, const Region&) {},
      [](size_t) { return Region{10, 0, 10, 10}; });
  EXPECT_EQ(touching[1].kind, Kind::kFailure);
}

// The worked example: ten frames of a 10x10 target; a failure at frame 3, re-initialised at 5
// (skip 2); overlaps 0.25, 0.5 | 0.5, 1, 0.5, 1.
Trajectory example() {
  return {init(), box(0, 0, 10, 2.5), box(0, 0, 10, 5), fail(),          skip(),
          init(), box(0, 0, 10, 5),   box(0, 0, 10, 10), box(0, 0, 5, 10), box(0, 0, 10, 10)};
}
const std::vector<Region> kTruth(10, Region{0, 0, 10, 10});

TEST(VotMeasures, AccuracyLeavesOutTheBurnIn) {
  ProtocolOptions opt;
  opt.burnin = 2;
  const auto s = score_sequence(example(), kTruth, 0, 0, opt);
  EXPECT_EQ(s.failures, (std::vector<size_t>{3}));
  EXPECT_TRUE(std::isnan(s.overlaps[0]) && std::isnan(s.overlaps[3]) && std::isnan(s.overlaps[4]));
  EXPECT_DOUBLE_EQ(s.overlaps[1], 0.25);
  // Burn-in 2 leaves out frames 0, 1 and 5, 6: (0.5 + 1 + 0.5 + 1) / 4.
  EXPECT_EQ(s.valid_frames, 4);
  EXPECT_DOUBLE_EQ(s.accuracy, 0.75);
  opt.burnin = 0;
  EXPECT_DOUBLE_EQ(score_sequence(example(), kTruth, 0, 0, opt).accuracy, 3.75 / 6);
  opt.burnin = 10;  // VOT's ten: the two burn-ins cover every frame of this short run
  EXPECT_EQ(score_sequence(example(), kTruth, 0, 0, opt).valid_frames, 0);
  EXPECT_THROW(score_sequence(example(), {kTruth[0]}, 0, 0), std::invalid_argument);
}

TEST(VotMeasures, ExpectedOverlapAndEaoByHand) {
  ProtocolOptions opt;
  opt.burnin = 2;
  const auto s = score_sequence(example(), kTruth, 0, 0, opt);
  // Fragments: [0, .25, .5, 0, 0, 0, 0...] (ends in the failure; zero to the end) and
  // [0, .5, 1, .5, 1] (runs to the end of the sequence; unknown beyond).
  const auto phi = expected_overlap_curve({s}, {}, 2);
  ASSERT_EQ(phi.size(), 10u);
  EXPECT_DOUBLE_EQ(phi[0], 1.0);
  EXPECT_DOUBLE_EQ(phi[1], (0.25 + 0.5) / 2);
  EXPECT_DOUBLE_EQ(phi[2], (0.375 + 0.75) / 2);
  EXPECT_NEAR(phi[3], (0.25 + 2.0 / 3) / 2, 1e-12);
  EXPECT_DOUBLE_EQ(phi[4], (0.1875 + 0.75) / 2);
  EXPECT_DOUBLE_EQ(phi[5], 0.75 / 5);  // only the failed fragment reaches 6 frames
  EXPECT_DOUBLE_EQ(phi[9], 0.75 / 9);
  EaoOptions eao;
  eao.skip_initialize = 2;
  eao.low = 2;
  eao.high = 4;
  Measures m = summarize({s}, {}, eao);
  EXPECT_NEAR(m.eao, (0.375 + 0.5625 + (0.25 + 2.0 / 3) / 2) / 3, 1e-12);
  EXPECT_EQ(m.failures, 1);
  EXPECT_EQ(m.frames, 10);
  EXPECT_DOUBLE_EQ(m.failure_rate, 10.0);
  EXPECT_DOUBLE_EQ(m.reliability, std::exp(-10.0));
  EXPECT_DOUBLE_EQ(m.accuracy, 0.75);
  // An interval past the longest sequence is cut to it.
  eao.low = 5;
  eao.high = 356;
  m = summarize({s}, {}, eao);
  EXPECT_EQ(m.eao_high, 10);
  EXPECT_NEAR(m.eao, (phi[4] + phi[5] + phi[6] + phi[7] + phi[8] + phi[9]) / 6, 1e-12);
  eao.low = 0;
  EXPECT_THROW(summarize({s}, {}, eao), std::invalid_argument);
}

TEST(VotMeasures, AFailureWhoseReinitialisationFallsPastTheEnd) {
  // The toolkit keeps such a run as one fragment to the end, unknown beyond (not zero-padded).
  const Trajectory t{init(), box(0, 0, 10, 10), box(0, 0, 10, 10), box(0, 0, 10, 10), fail(), skip()};
  const auto s = score_sequence(t, std::vector<Region>(6, Region{0, 0, 10, 10}), 0, 0);
  const auto longer = score_sequence({init(), box(0, 0, 10, 10), box(0, 0, 10, 10), box(0, 0, 10, 10),
                                      box(0, 0, 10, 10), box(0, 0, 10, 10), box(0, 0, 10, 10), box(0, 0, 10, 10)},
                                     std::vector<Region>(8, Region{0, 0, 10, 10}), 0, 0);
  const auto phi = expected_overlap_curve({s, longer}, {}, 5);
  ASSERT_EQ(phi.size(), 8u);
  EXPECT_DOUBLE_EQ(phi[5], (0.6 + 1.0) / 2);  // frames 2..6 of the short run: 1, 1, 1, 0, 0
  EXPECT_DOUBLE_EQ(phi[6], 1.0);              // only the longer run reaches 7 frames
  // No run reaching a length leaves its Phi at 0, as the toolkit's does.
  EXPECT_EQ(expected_overlap_curve({s}, {}, 5).size(), 6u);
}

TEST(VotMeasures, PerTagScoresCountOnlyTaggedFrames) {
  ProtocolOptions opt;
  opt.burnin = 2;
  const auto s = score_sequence(example(), kTruth, 0, 0, opt);
  const std::vector<uint8_t> tag{1, 1, 1, 1, 1, 0, 0, 0, 0, 0};
  EaoOptions eao;
  eao.skip_initialize = 2;
  eao.low = 2;
  eao.high = 2;
  const Measures m = summarize({s}, {tag}, eao);
  EXPECT_EQ(m.frames, 5);
  EXPECT_EQ(m.failures, 1);
  EXPECT_EQ(m.valid_frames, 1);  // frame 2
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(m.failure_rate, 20.0);
  // The failed fragment (frames 0-5) weighs 5/6, the last (frames 5-9) nothing.
  EXPECT_DOUBLE_EQ(m.expected_overlap[1], 0.25);
  EXPECT_DOUBLE_EQ(m.eao, 0.25);
  EXPECT_THROW(summarize({s}, {std::vector<uint8_t>(3, 1)}, eao), std::invalid_argument);
}

TEST(VotTrajectory, RoundTripsAndRefusesMalformedFiles) {
  const std::string path = testing::temp_path("vot/t/baseline/s/s_001.txt");
  write_trajectory(path, example());
  const auto back = read_trajectory(path);
  ASSERT_EQ(back.size(), 10u);
  EXPECT_EQ(format_trajectory(back), format_trajectory(example()));
  EXPECT_EQ(parse_trajectory("1\n1,2,3,4,5,6,7,8\n\n", "t").at(1).region.size(), 8u);
  for (const auto& [text, needle] : std::vector<std::pair<std::string, std::string>>{
           {"", "no frames"},
           {"0,0,10,10\n", "t:1: a run starts with 1"},
           {"1\n7\n", "t:2: a single value must be 0"},
           {"1\n1,2,3\n", "t:2: expected a code, 4 rectangle values or a polygon, found 3"},
           {"1\n1,2,x,4\n", "t:2: 'x' is not a number"},
           {"1\n1,2,nan,4\n", "t:2: a value is not finite"},
           {"1\n2\n1,2,3,4\n", "t:3: after a failure (2) only skipped frames"},
           {"1\n0\n", "t:2: a skipped frame (0) outside a failure's gap"}}) {
    try {
      parse_trajectory(text, "t");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
  EXPECT_THROW(read_trajectory(testing::temp_path("missing.txt")), DataError);
}

TEST(VotRegions, GroundTruthFilesAreReadStrictly) {
  EXPECT_EQ(parse_regions("1,2,3,4\n1,2,3,4,5,6,7,8\n\n", "g").size(), 2u);
  for (const auto& [text, needle] : std::vector<std::pair<std::string, std::string>>{
           {"", "g: no regions"},
           {"1,2,3\n", "g:1: expected 4 rectangle values or a polygon, found 3"},
           {"1,2,3,4\n\n1,2,3,4\n", "g:3: blank line inside the regions"},
           {"1,2,nan,4\n", "g:1: a value is not finite"},
           {"1,2,three,4\n", "g:1: 'three' is not a number"}}) {
    try {
      parse_regions(text, "g");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const DataError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  }
}

// A synthetic sequence: rotated boxes drifting across (and partly out of) a width x height image.
std::vector<Region> rotated_boxes(int frames, double width, double height, double phase) {
  std::vector<Region> out;
  for (int f = 0; f < frames; ++f) {
    const double cx = 30 + f * (width - 40) / frames, cy = height / 2 + 30 * std::sin(0.1 * f + phase);
    const double a = 0.3 * std::sin(0.05 * f + phase), hw = 18, hh = 11;
    Region r;
    for (const auto& [u, v] : std::vector<std::pair<double, double>>{{-hw, -hh}, {hw, -hh}, {hw, hh}, {-hw, hh}}) {
      r.push_back(cx + u * std::cos(a) - v * std::sin(a));
      r.push_back(cy + u * std::sin(a) + v * std::cos(a));
    }
    out.push_back(r);
  }
  return out;
}

TEST(VotMeasures, AgreeWithAnIndependentRasterisingReference) {
  if (std::system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "the reference needs /usr/bin/python3 with numpy (Debian's python3-numpy)";
  }
  // Two runs of a tracker that wobbles around the truth, and loses it on frames 20, 21 and 45 of
  // the first sequence (failures at 20 and 45; 21 is skipped).
  std::string args = testing::temp_path("vot_reference.txt") + " 10 5 10 60";
  std::vector<SequenceScores> runs;
  int failures = 0;
  for (int s = 0; s < 2; ++s) {
    const double width = s ? 160 : 200, height = s ? 90 : 150;
    const auto truth = rotated_boxes(s ? 50 : 80, width, height, s * 1.3);
    auto track = [&](size_t f) -> Region {
      if (s == 0 && (f == 20 || f == 21 || f == 45)) return {500, 500, 10, 10};
      bbox::Box b = region_box(truth[f]);
      return {b.x + 4 * std::sin(0.7 * f), b.y + 3 * std::cos(0.5 * f), b.w * (1 + 0.1 * std::sin(0.3 * f)), b.h};
    };
    const Trajectory t = run_supervised(truth, width, height, [](size_t, const Region&) {}, track);
    const std::string gt = testing::temp_path("vot_ref_gt" + std::to_string(s) + ".txt");
    const std::string run = testing::temp_path("vot_ref_run" + std::to_string(s) + ".txt");
    {
      std::ofstream out(gt);
      out.precision(10);
      for (const auto& r : truth) {
        for (size_t k = 0; k < r.size(); ++k) out << (k ? "," : "") << r[k];
        out << "\n";
      }
    }
    write_trajectory(run, t);
    // Scored as stored (4 decimals), as the reference reads it.
    runs.push_back(score_sequence(read_trajectory(run), read_regions(gt), width, height));
    failures += static_cast<int>(runs.back().failures.size());
    args += " " + gt + " " + run + " " + std::to_string(int(width)) + " " + std::to_string(int(height));
  }
  EXPECT_EQ(runs[0].failures, (std::vector<size_t>{20, 45}));
  ASSERT_EQ(testing::run_python("tests/python/vot_reference.py", args), 0);
  std::ifstream in(testing::temp_path("vot_reference.txt"));
  double accuracy = 0, eao = 0;
  int ref_failures = -1;
  ASSERT_TRUE(in >> accuracy >> ref_failures >> eao);
  EaoOptions options;
  options.low = 10;
  options.high = 60;
  const Measures m = summarize(runs, {}, options);
  EXPECT_EQ(m.failures, ref_failures);
  EXPECT_EQ(m.failures, failures);
  // Rasterising at 4x4 samples a pixel is good to about a thousandth on boxes of this size.
  EXPECT_NEAR(m.accuracy, accuracy, 2e-3);
  EXPECT_NEAR(m.eao, eao, 2e-3);
  EXPECT_GT(m.accuracy, 0.3);
  EXPECT_LT(m.accuracy, 0.95);
}

TEST(VotMeasures, ThePerfectTrackerOnRealPolygons) {
  DIMP_REQUIRE_DATA(data_dir);
  // vot/bag's rotated boxes, answered with themselves: no failure, every overlap 1, EAO 1.
  const std::vector<Region> truth = read_regions(data_dir + "/vot/bag/groundtruth.txt");
  ASSERT_EQ(truth.size(), 196u);
  EXPECT_EQ(truth[0], (Region{334.02, 128.36, 438.19, 188.78, 396.39, 260.83, 292.23, 200.41}));
  const auto t = run_supervised(truth, 480, 360, [](size_t, const Region&) {}, [&](size_t f) { return truth[f]; });
  const auto s = score_sequence(t, truth, 480, 360);
  EXPECT_TRUE(s.failures.empty());
  EXPECT_EQ(s.valid_frames, 196 - 10);
  EXPECT_NEAR(s.accuracy, 1.0, 1e-9);
  const Measures m = summarize({s}, {});
  EXPECT_NEAR(m.eao, 1.0, 1e-9);
  EXPECT_EQ(m.eao_low, 100);
  EXPECT_EQ(m.eao_high, 196);
}

}  // namespace
}  // namespace dimp::data::vot
