// data/vot.h — the VOT short-term challenge's protocol and measures (VOT2015-VOT2019, the
// "baseline" experiment), as the VOT toolkit defines them (Kristan et al., "A Novel
// Performance Evaluation Methodology for Single-Target Trackers", TPAMI 2016; the VOT2018
// report; the legacy toolkit's experiment_supervised, estimate_accuracy and
// estimate_expected_overlap):
//
// - supervised run: the tracker starts on frame 1; a frame where its region does not overlap
//   the ground truth (overlap <= 0, both regions clipped to the image) is a failure, and the
//   tracker is re-initialised on the ground truth 5 frames later. The trajectory stores "1" on
//   each initialisation, "2" on each failure, "0" on the frames skipped in between.
// - accuracy: the mean overlap over the valid frames, leaving out the 10 frames from each
//   (re-)initialisation (burn-in); pooled over the frames of all sequences.
// - robustness: the number of failures; as a rate, failures per 100 frames (the VOT2017/2018
//   tables' R); as a reliability, exp(-S * failures / frames) with S = 100 (the A-R plots).
// - EAO: the trajectory is cut at each re-initialisation; a fragment that ends in a failure is
//   padded with zero overlap; the expected overlap Phi(Ns) of a sequence length Ns is the
//   weighted mean over fragments that reach Ns of their mean overlap on frames 2..Ns; the EAO is
//   the mean of Phi over Ns in an interval [Nlo, Nhi] (VOT2017/2018: [100, 356]).
//
// Overlaps are exact polygon intersections (the toolkit rasterises; results agree to a pixel's
// rounding). Per-attribute scores select frames by a tag: accuracy averages the tagged valid
// frames (burn-in taken on the whole trajectory), failures count tagged failure frames, EAO
// weighs each fragment by its share of tagged frames (the toolkit's fragment weights).
//
//   auto traj = vot::run_supervised(truth, w, h, init, track);          // init(frame, region)
//   auto scores = vot::score_sequence(traj, truth, w, h);
//   vot::Measures m = vot::summarize({scores}, {});                     // m.accuracy, m.eao
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bbox/box.h"

namespace dimp::data::vot {

// Region: as VOT files write it: x,y,w,h (a rectangle) or x1,y1,...,xn,yn (a polygon, n >= 3).
using Region = std::vector<double>;

// region_area: the (unsigned) area of a rectangle or a simple polygon.
double region_area(const Region& region);

// region_overlap: intersection over union of two regions, both clipped to the width x height
// image first (pass 0, 0 for no clipping). One of them must be convex (rectangles and VOT's
// rotated boxes are). 0 when either has no area; std::invalid_argument for malformed regions.
double region_overlap(const Region& a, const Region& b, double width, double height);

// read_regions / parse_regions: a VOT ground-truth file, one region a line (4 rectangle values
// or a polygon); DataError naming file and line for anything else (a word, a wrong count, NaN).
std::vector<Region> read_regions(const std::string& path);
std::vector<Region> parse_regions(const std::string& text, const std::string& where);

// region_box: a rectangle as it is, a polygon as the box centred on its corners' mean with its
// area (how a tracker is initialised from a rotated box; data::PolygonToBox::kAreaPreserving).
bbox::Box region_box(const Region& region);
// box_region: a box as a rectangle region.
inline Region box_region(const bbox::Box& b) { return {b.x, b.y, b.w, b.h}; }

// Entry: one frame of a supervised run.
struct Entry {
  enum class Kind { kRegion, kInitialized, kFailure, kSkipped };  // region, "1", "2", "0"
  Kind kind = Kind::kSkipped;
  Region region;  // kRegion only
};
using Trajectory = std::vector<Entry>;

// ProtocolOptions: the baseline experiment's parameters (VOT2013-2019 values as defaults).
struct ProtocolOptions {
  int skip_initialize = 5;     // frames from a failure to the re-initialisation (>= 1)
  int burnin = 10;             // frames from each initialisation left out of accuracy (>= 0)
  double failure_overlap = 0;  // a frame whose overlap is <= this is a failure (>= 0)
};

// run_supervised: the baseline experiment over the frames of `truth` (one region per frame):
// `initialize(frame, region)` on frame 0 and `skip_initialize` frames after each failure,
// `track(frame)` (the tracker's region) on the others; overlaps taken inside width x height.
Trajectory run_supervised(const std::vector<Region>& truth, double width, double height,
                          const std::function<void(size_t, const Region&)>& initialize,
                          const std::function<Region(size_t)>& track, const ProtocolOptions& options = {});

// format_trajectory / write_trajectory: one line a frame: "1", "2", "0" or the region's numbers
// (4 decimals), as the toolkit writes them. write_trajectory replaces `path` atomically.
std::string format_trajectory(const Trajectory& trajectory);
void write_trajectory(const std::string& path, const Trajectory& trajectory);

// read_trajectory: a stored run; DataError naming file and line for anything but a code 0/1/2,
// a rectangle or a polygon of finite numbers (a run's first entry must be "1").
Trajectory read_trajectory(const std::string& path);
// parse_trajectory: the same from text; `where` names the source in errors.
Trajectory parse_trajectory(const std::string& text, const std::string& where);

// is_supervised_run: whether `trajectory` can be a baseline run over `truth`: as long as the truth,
// and every region overlapping it by more than `failure_overlap` (a baseline run marks such a
// frame as a failure). A run stored without resets — an unsupervised run, or an older
// dimp_eval's at the baseline path — that lost its target is not.
bool is_supervised_run(const Trajectory& trajectory, const std::vector<Region>& truth, double width, double height,
                       const ProtocolOptions& options = {});

// SequenceScores: one supervised run scored against its ground truth.
struct SequenceScores {
  std::vector<double> overlaps;           // per frame; NaN for "0", "1", "2" entries (EAO's input)
  std::vector<double> accuracy_overlaps;  // the same with the burn-in frames NaN (accuracy's)
  std::vector<size_t> failures;           // frame indices of the failures
  double accuracy = 0;                    // mean of the valid accuracy_overlaps (0 when none)
  int valid_frames = 0;
};

// score_sequence: overlaps, failures and accuracy of one run. std::invalid_argument when the
// run and the truth differ in length.
SequenceScores score_sequence(const Trajectory& trajectory, const std::vector<Region>& truth, double width,
                              double height, const ProtocolOptions& options = {});

// EaoOptions: the sequence-length interval of the EAO and the re-initialisation gap the runs used.
struct EaoOptions {
  int low = 100, high = 356;  // VOT2017/2018's interval [Nlo, Nhi] (inclusive, in frames)
  int skip_initialize = 5;
};

// Measures: a tracker's scores over a set of sequences (or over the frames of one tag).
struct Measures {
  double accuracy = 0;            // mean overlap of the valid frames, pooled
  int valid_frames = 0;
  int failures = 0;               // failures (on tagged frames for a tag)
  int frames = 0;                 // frames (tagged frames for a tag)
  double failure_rate = 0;        // failures per 100 frames
  double reliability = 0;         // exp(-100 * failures / frames)
  std::vector<double> expected_overlap;  // Phi(Ns) for Ns = 1 .. the longest sequence
  double eao = 0;                 // mean of Phi over [low, min(high, longest)]; NaN when empty
  int eao_low = 0, eao_high = 0;  // the interval actually averaged
};

// summarize: the measures of a set of scored runs. `tags`: empty, or one per-frame 0/1 mask
// per run selecting the frames that count (for per-attribute scores).
Measures summarize(const std::vector<SequenceScores>& runs, const std::vector<std::vector<uint8_t>>& tags,
                   const EaoOptions& options = {});

// expected_overlap_curve: Phi(Ns) for Ns = 1 .. max_length (index Ns - 1), the toolkit's
// estimate_expected_overlap for one repetition per sequence; `tags` as in summarize().
std::vector<double> expected_overlap_curve(const std::vector<SequenceScores>& runs,
                                           const std::vector<std::vector<uint8_t>>& tags, int skip_initialize);

}  // namespace dimp::data::vot
