// Our DiMP-18 with its random draws on (random shifts and dropout of the first frame's samples,
// jittered IoU-Net proposals) against pytracking's with its draws on: the bounded CI part of
// tools/pytracking_parity/compare_statistics.py. Same seeded weights, geometry "pytracking",
// float32, the trace's parameters; pytracking's boxes of five seeds per sequence are stored
// (tests/data/pytracking/draws/dimp18.json, written by compare_statistics.py pack). Two seeds
// of ours on Crossing must score an AUC within the range of pytracking's five seeds widened by
// the noise the seeds show (kMarginSd standard deviations of pytracking's AUCs). The whole
// comparison (five seeds each, six sequences, Welch and permutation tests) is the script's;
// its result is in tools/pytracking_parity/README.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <sstream>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "data/metrics.h"
#include "tests/pytracking_trace.h"
#include "tests/testing.h"

namespace dimp::testing {
namespace {

constexpr uint64_t kWeightsSeed = 1;  // dimp_weights init --seed 1 --calibrate-batchnorm, as the traces
constexpr double kMarginSd = 3;

struct Draws {
  Trace like;  // the runs' parameters (overrides, dropout) and weights CRC, no frames
  std::map<std::string, std::vector<std::vector<bbox::Box>>> runs;  // sequence -> per seed
};

Draws read_draws(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  const auto j = nlohmann::json::parse(ss.str());
  if (j.at("format") != "dimp-cpp pytracking draws 1") throw std::runtime_error(path + ": not a packed draws file");
  Draws d;
  d.like.arch = j.at("arch");
  d.like.draws = "on";
  d.like.weights_crc32 = j.at("weights_crc32").get<uint32_t>();
  for (const auto& [k, v] : j.at("overrides").items()) d.like.overrides[k] = v.dump();
  d.like.dropout_num = j.at("dropout").at(0).get<int>();
  d.like.dropout_prob = j.at("dropout").at(1).get<double>();
  for (const auto& [sequence, seeds] : j.at("runs").items()) {
    for (const auto& [seed, boxes] : seeds.items()) {
      std::vector<bbox::Box> run;
      for (const auto& b : boxes) run.push_back({b.at(0).get<double>(), b.at(1).get<double>(), b.at(2).get<double>(), b.at(3).get<double>()});
      d.runs[sequence].push_back(std::move(run));
    }
  }
  return d;
}

double mean(const std::vector<double>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / v.size(); }
double stdev(const std::vector<double>& v) {
  const double m = mean(v);
  double s = 0;
  for (double x : v) s += (x - m) * (x - m);
  return std::sqrt(s / (v.size() - 1));
}

TEST(PytrackingStatistics, OurSeedsScoreWithinPytrackingsSpreadOnCrossing) {
  DIMP_REQUIRE_DATA(root);
  const auto checkout = source_root();
  ASSERT_TRUE(checkout);
  const Draws draws = read_draws(*checkout + "/tests/data/pytracking/draws/dimp18.json");
  const std::string name = "otb/Crossing";
  const data::Sequence sequence = read_sequence(root, name);
  const auto& theirs_runs = draws.runs.at(name);
  ASSERT_GE(theirs_runs.size(), 3u);
  std::vector<double> theirs;
  for (const auto& boxes : theirs_runs) {
    ASSERT_EQ(boxes.size(), sequence.size());
    theirs.push_back(data::evaluate(boxes, sequence.ground_truth).auc);
  }
  const double lo = *std::min_element(theirs.begin(), theirs.end()) - kMarginSd * stdev(theirs);
  const double hi = *std::max_element(theirs.begin(), theirs.end()) + kMarginSd * stdev(theirs);

  const ParityWeights weights = parity_weights(draws.like.arch, kWeightsSeed);
  ASSERT_EQ(weights.crc32, draws.like.weights_crc32) << "the regenerated weights differ from those pytracking ran";
  std::vector<double> ours;
  for (uint64_t seed : {11, 12}) {  // not pytracking's seeds: the two generators differ anyway
    Trace like = draws.like;
    like.seed = seed;
    const TrackerParams params = params_like_trace(like, "pytracking");
    ASSERT_GT(params.random_shift_factor, 0);
    ASSERT_GT(params.num_init_random_boxes, 0);
    const TrackedRun run = run_tracker(draws.like.arch, params, weights.path, sequence, sequence.ground_truth[0], 0);
    ours.push_back(data::evaluate(run.boxes, sequence.ground_truth).auc);
    EXPECT_GE(ours.back(), lo) << "seed " << seed;
    EXPECT_LE(ours.back(), hi) << "seed " << seed;
  }
  EXPECT_NE(ours[0], ours[1]) << "the seed changed nothing: are the random draws on?";
  std::remove(weights.path.c_str());
  std::printf("STATISTICS %s %s: pytracking's %zu seeds AUC %.4f +- %.4f (accepted %.4f to %.4f); ours %.4f, %.4f\n",
              draws.like.arch.c_str(), name.c_str(), theirs.size(), mean(theirs), stdev(theirs), lo, hi, ours[0], ours[1]);
}

}  // namespace
}  // namespace dimp::testing
