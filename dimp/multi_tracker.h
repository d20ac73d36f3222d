// dimp/multi_tracker.h — several targets in one video, one network pass per frame.
//
// Each target keeps its own tracker (memory, filter, scale, lost status). Every frame the
// targets' search patches go through the shared network as one batch (StagedTracker's
// shared_features), their filters score their features as one batch (batch_scores), each
// target localizes, refines its box and updates its sample memory on its slice, and the model
// fits due this frame run as one optimizer run over the targets whose memories have the same
// shape (fit_batch: the targets as the optimizer's sequences). The boxes equal those of
// independent trackers up to batch-size rounding (tests/multi_tracker_test).
//
//   dimp::MultiTracker mt("dimp18", dimp::default_params("dimp18"), "dimp18.safetensors");
//   int a = mt.add_target(frame0, {x, y, w, h});
//   for (const dimp::TargetResult& r : mt.track(frame1)) use(r.id, r.result.box);
//   mt.remove_target(a);
#pragma once

#include <ATen/ATen.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "dimp/staged_tracker.h"
#include "dimp/tracker.h"

namespace dimp {

struct TargetResult {
  int id = 0;
  TrackResult result;
};

// MultiTrackerStats: what the batched path did (for tests and benchmarks).
struct MultiTrackerStats {
  long frames = 0;
  long score_runs = 0;  // batched filter applications (one per batched family and frame)
  long fits = 0;        // targets whose model fit was batched (deferred to fit_batch)
  long fit_runs = 0;    // optimizer runs those fits took
};

struct MultiTrackerOptions {
  // batched: one network pass for all targets whose trackers share it; false runs each
  // target's tracker on its own (what N separate trackers do), for comparison.
  bool batched = true;
  // batch_model: with `batched`, also score the filters and run the model fits of targets
  // whose features are the shared network's alone (the DiMP family) as one batch (scores: one
  // filter application; fits: one optimizer run). Features with a per-target part (weight-free,
  // deep) are not: stacking their maps and memories cost more than it saved on a CPU.
  bool batch_model = true;
};

class MultiTracker {
 public:
  // MultiTracker: targets of the registered variant `variant` with `params` (and `weights`
  // for variants that need them), loaded once and shared by every target.
  MultiTracker(const std::string& variant, const TrackerParams& params, const std::string& weights = "",
               MultiTrackerOptions options = {});

  // add_target: a new target whose box in `image` (the frame it first appears in) is `box`;
  // returns its id (never reused). Bad input (image, box, a frame size other than the
  // video's) throws std::invalid_argument and adds nothing.
  int add_target(const at::Tensor& image, const bbox::Box& box);
  // remove_target: forget a target; throws std::invalid_argument for an unknown id.
  void remove_target(int id);
  // track: the next frame for every target, in increasing id order. A frame of another size
  // than the video's throws std::invalid_argument before any target changes.
  std::vector<TargetResult> track(const at::Tensor& image);

  std::vector<int> ids() const;
  size_t size() const { return targets_.size(); }
  const std::string& variant() const { return prototype_->name(); }
  // tracker: one target's tracker (stage times, name); throws for an unknown id.
  const VisualTracker& tracker(int id) const;
  const MultiTrackerStats& stats() const { return stats_; }

 private:
  StagedTracker& find(int id) const;
  void check_frame_size(const at::Tensor& image) const;

  std::unique_ptr<StagedTracker> prototype_;  // never initialised; targets are its fresh copies
  std::map<int, std::unique_ptr<StagedTracker>> targets_;
  MultiTrackerOptions options_;
  MultiTrackerStats stats_;
  int next_id_ = 1;
  int64_t frame_w_ = 0, frame_h_ = 0;  // the video's frame size (0: no target yet)
};

}  // namespace dimp
