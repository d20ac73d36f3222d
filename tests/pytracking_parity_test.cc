// Tracker-to-tracker parity with pytracking: our DiMP-18 and DiMP-50 in geometry "pytracking" against
// traces of pytracking's own tracker (tests/data/pytracking/, recorded by
// tools/pytracking_parity/run_pytracking.py from visionml/pytracking at 7eb9e74 on the same
// weights: seeded, BatchNorm statistics from synthetic samples, regenerated here bit for bit),
// float32, random draws off (no random shifts, dropout or jittered proposals).
//
// FirstTwoFrames: every intermediate of initialize() and the first track() (patches, features,
// filters, IoU modulation and features, scores, proposals, refined boxes) within 1e-4 relative
// on the six shared sequences, both networks: the geometry's crops, augmentations and boxes as
// pytracking's (DiMP-50's first score map on Diving: 3e-4, see tolerance()).
// EveryFrame: every frame's box at IoU >= 0.99 with pytracking's, the same flags, scores within
// 2% (+ 1e-3). DiMP-18 holds on Crossing (in CI); on the other five it parts after 7 to 161
// frames, DiMP-50 on all six after 3 to 95 (CI checks its first 9 frames of Crossing;
// DIMP_PARITY_FULL=1, or tests:pytracking_parity_full_test, manual, runs every frame and
// reports where). pytracking parts from its own traces as early when its weights are perturbed
// by 1e-6 relative (tools/pytracking_parity/README.md): the seeded networks' decisions sit on
// knife edges that float32 differences tip.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>
#include <mutex>
#include <numeric>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "data/metrics.h"
#include "tests/pytracking_trace.h"
#include "tests/testing.h"

namespace dimp::testing {
namespace {

const std::vector<std::string> kSequences = {"otb/Crossing", "otb/Diving",  "otb/Human3",
                                             "otb/MotorRolling", "vot/bag", "vot/ball1"};
constexpr uint64_t kWeightsSeed = 1;  // the harness's weights: dimp_weights init --seed 1 --calibrate-batchnorm

std::string trace_dir(const std::string& arch) {
  const auto root = source_root();
  if (!root) throw std::runtime_error("cannot find the checkout (tests/data_anchor.txt)");
  return *root + "/tests/data/pytracking/" + arch;
}

std::string stem(const std::string& sequence) {
  std::string s = sequence;
  std::replace(s.begin(), s.end(), '/', '_');
  return s;
}

std::mutex weights_mutex;
std::map<std::string, ParityWeights> weights_cache;

// Weights of one architecture, regenerated once per test process.
const ParityWeights& weights_for(const std::string& arch) {
  std::lock_guard<std::mutex> lock(weights_mutex);
  auto it = weights_cache.find(arch);
  if (it == weights_cache.end()) it = weights_cache.emplace(arch, parity_weights(arch, kWeightsSeed)).first;
  return it->second;
}

// RemoveWeights: deletes the regenerated weights (79 MB for DiMP-18) when the tests end; Bazel clears
// its TEST_TMPDIR, a run outside Bazel (the binary itself, CMake's ctest) leaves /tmp as it was.
class RemoveWeights : public ::testing::Environment {
 public:
  void TearDown() override {
    std::lock_guard<std::mutex> lock(weights_mutex);
    for (const auto& [arch, w] : weights_cache) std::remove(w.path.c_str());
    weights_cache.clear();
  }
};
[[maybe_unused]] ::testing::Environment* const kRemoveWeights =
    ::testing::AddGlobalTestEnvironment(new RemoveWeights);

struct Case {
  std::string arch, sequence;
};
void PrintTo(const Case& c, std::ostream* os) { *os << c.arch << " " << c.sequence; }

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string s = info.param.arch + "_" + stem(info.param.sequence);
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

std::vector<Case> all_cases() {
  std::vector<Case> out;
  for (const char* arch : {"dimp18", "dimp50"}) {
    for (const auto& s : kSequences) out.push_back({arch, s});
  }
  return out;
}

// frames_in_ci: how many frames EveryFrame checks in CI (0: none; the rest of every sequence
// runs with DIMP_PARITY_FULL=1). DiMP-18 agrees on every frame of Crossing. DiMP-50 agrees
// throughout on none of the six (tools/pytracking_parity/README.md); on Crossing its boxes agree
// to frame 73 and its scores to frame 60, but pytracking with its weights perturbed by 1e-6
// parts from its own trace at frame 10, so CI checks the 9 frames before that: what float32
// noise cannot tip.
size_t frames_in_ci(const Case& c) {
  if (c.sequence != "otb/Crossing") return 0;
  return c.arch == "dimp18" ? std::numeric_limits<size_t>::max() : 9;
}

// The trace, the regenerated weights and the sequence, checked against each other.
struct ParityInputs {
  Trace trace;
  const ParityWeights* weights = nullptr;
  data::Sequence sequence;
};

ParityInputs load_inputs(const Case& c, const std::string& root) {
  ParityInputs s;
  s.trace = read_trace(trace_dir(c.arch) + "/" + stem(c.sequence) + ".json");
  EXPECT_EQ(s.trace.draws, "off");
  s.weights = &weights_for(c.arch);
  EXPECT_EQ(s.weights->crc32, s.trace.weights_crc32)
      << "the regenerated weights differ from those the trace was recorded with (another LibTorch's seeded "
         "initialisation?); tools/pytracking_parity/README.md says how to record new traces";
  s.sequence = read_sequence(root, c.sequence);
  EXPECT_EQ(s.sequence.frames.size(), s.trace.frames.size());
  // The harness read the first box as our readers do.
  const bbox::Box init = s.trace.frames[0].box, truth = s.sequence.ground_truth[0];
  EXPECT_NEAR(init.x, truth.x, 1e-6);
  EXPECT_NEAR(init.y, truth.y, 1e-6);
  EXPECT_NEAR(init.w, truth.w, 1e-6);
  EXPECT_NEAR(init.h, truth.h, 1e-6);
  return s;
}

// tolerance: 1e-4 relative, except DiMP-50's first score map on Diving, whose values cancel:
// its error is 7 times its inputs' (1.7e-4 from features within 2.3e-5 and a filter within
// 4.6e-5), as pytracking's own is when its weights are perturbed by 1e-6 (scores 4.9e-4 from
// features within 8.9e-5: 5.5 times).
double tolerance(const Case& c, const std::string& name) {
  if (c.arch == "dimp50" && c.sequence == "otb/Diving" && name == "track/scores") return 3e-4;
  return 1e-4;
}

class PytrackingParity : public ::testing::TestWithParam<Case> {};

// initialize() and the first track(): every intermediate within 1e-4 relative.
TEST_P(PytrackingParity, FirstTwoFramesIntermediates) {
  DIMP_REQUIRE_DATA(root);
  const Case c = GetParam();
  const ParityInputs s = load_inputs(c, root);
  if (HasFailure()) return;
  const TrackedRun run = run_tracker(c.arch, params_like_trace(s.trace, "pytracking"), s.weights->path, s.sequence,
                                     s.trace.frames[0].box, 2, /*frames=*/2);
  const auto theirs = read_intermediates(trace_dir(c.arch) + "/" + stem(c.sequence) + ".intermediates.safetensors");
  // 19 intermediates (dimp/trace.h); 14 when the first track() finds no target and refines no
  // box (no IoU features, proposals or refined boxes): ours must record the same ones.
  ASSERT_TRUE(theirs.size() == 19u || theirs.size() == 14u) << theirs.size() << " intermediates in the trace";
  for (const auto& [name, t] : run.intermediates) {
    if (name.rfind("init/", 0) == 0 || name.rfind("track/", 0) == 0) {
      EXPECT_TRUE(theirs.count(name) || name == "track/search") << "ours recorded " << name << ", pytracking did not";
    }
  }
  double worst = 0;
  std::string worst_name;
  for (const auto& [name, ref] : theirs) {
    const auto it = run.intermediates.find(name);
    ASSERT_NE(it, run.intermediates.end()) << "our tracker did not record " << name;
    const double err = relative_error(reduce(it->second), ref);
    EXPECT_LE(err, tolerance(c, name)) << name;
    if (std::getenv("DIMP_PARITY_VERBOSE")) std::printf("  %-24s %.3g\n", name.c_str(), err);
    if (err > worst) worst = err, worst_name = name;
  }
  // The search region of frame 1 (a geometry check of its own: pytracking's half-pixel ends).
  ASSERT_EQ(run.search[1].size(), 4u);
  ASSERT_EQ(s.trace.frames[1].search.size(), 4u);
  for (int k = 0; k < 4; ++k) EXPECT_NEAR(run.search[1][k], s.trace.frames[1].search[k], 1e-3) << k;
  EXPECT_GE(bbox::iou(run.boxes[1], s.trace.frames[1].box), 0.999);
  std::printf("PARITY %s %s: %zu intermediates, worst relative error %.3g (%s)\n", c.arch.c_str(), c.sequence.c_str(),
              theirs.size(), worst, worst_name.c_str());
}

// Every frame's box, flag, score and search region as pytracking's.
TEST_P(PytrackingParity, EveryFrame) {
  DIMP_REQUIRE_DATA(root);
  const Case c = GetParam();
  const bool full = std::getenv("DIMP_PARITY_FULL") != nullptr;
  const size_t in_ci = frames_in_ci(c);
  if (in_ci == 0 && !full) {
    GTEST_SKIP() << "known to part (tools/pytracking_parity/README.md); DIMP_PARITY_FULL=1 runs it";
  }
  const ParityInputs s = load_inputs(c, root);
  if (HasFailure()) return;
  const Trace& trace = s.trace;
  const size_t frames = !full && in_ci < trace.frames.size() ? in_ci + 1 : trace.frames.size();  // frame 0 and in_ci more
  const TrackedRun run = run_tracker(c.arch, params_like_trace(trace, "pytracking"), s.weights->path, s.sequence,
                                     trace.frames[0].box, 0, frames);
  double min_iou = 1, sum_iou = 0, worst_search = 0;
  int low = 0, flag_mismatches = 0;
  size_t first_apart = 0;
  for (size_t i = 1; i < frames; ++i) {
    const double iou = bbox::iou(run.boxes[i], trace.frames[i].box);
    if (std::getenv("DIMP_PARITY_VERBOSE")) {
      std::printf("%zu iou %.5f | %s %.5f %.3f %.3f %.3f %.3f | %s %.5f %.3f %.3f %.3f %.3f\n", i, iou, run.flags[i].c_str(),
                  run.scores[i], run.boxes[i].x, run.boxes[i].y, run.boxes[i].w, run.boxes[i].h,
                  trace.frames[i].flag.c_str(), trace.frames[i].score, trace.frames[i].box.x, trace.frames[i].box.y,
                  trace.frames[i].box.w, trace.frames[i].box.h);
    }
    min_iou = std::min(min_iou, iou);
    sum_iou += iou;
    if (!(iou >= 0.99) && first_apart == 0) first_apart = i;
    if (!(iou >= 0.99) && low++ < 5) {
      ADD_FAILURE() << c.sequence << " frame " << i << ": IoU " << iou << ", ours " << run.boxes[i] << " "
                    << run.flags[i] << " " << run.scores[i] << ", pytracking's " << trace.frames[i].box << " "
                    << trace.frames[i].flag << " " << trace.frames[i].score;
    }
    if (run.flags[i] != trace.frames[i].flag && flag_mismatches++ < 5) {
      ADD_FAILURE() << c.sequence << " frame " << i << ": flag " << run.flags[i] << " (score " << run.scores[i]
                    << "), pytracking's " << trace.frames[i].flag << " (score " << trace.frames[i].score << ")";
    }
    // Scores within 2%: on Crossing they agree to 1e-4 up to frame 82, whose hard-negative
    // update takes an unusually long step (the filter's squared norm 2.43 -> 3.13) and turns
    // float32 differences of 1e-4 into 1%.
    EXPECT_NEAR(run.scores[i], trace.frames[i].score, 1e-3 + 2e-2 * std::abs(trace.frames[i].score)) << "frame " << i;
    ASSERT_EQ(run.search[i].size(), 4u);
    ASSERT_EQ(trace.frames[i].search.size(), 4u);
    for (int k = 0; k < 4; ++k) worst_search = std::max(worst_search, std::abs(run.search[i][k] - trace.frames[i].search[k]));
  }
  EXPECT_EQ(low, 0) << "frames with IoU < 0.99";
  EXPECT_EQ(flag_mismatches, 0) << "frames whose flag differs";
  std::printf("PARITY %s %s: %zu frames, IoU min %.4f mean %.4f, first below 0.99 at frame %zu (0: none), search "
              "regions within %.3g px\n",
              c.arch.c_str(), c.sequence.c_str(), frames - 1, min_iou, sum_iou / (frames - 1),
              first_apart, worst_search);
}

INSTANTIATE_TEST_SUITE_P(Sequences, PytrackingParity, ::testing::ValuesIn(all_cases()), case_name);

}  // namespace
}  // namespace dimp::testing
