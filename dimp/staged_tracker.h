// dimp/staged_tracker.h — one frame of tracking cut at the feature extractor, so that a
// MultiTracker (dimp/multi_tracker.h) can run one network pass for every target's search
// patches. Every registered variant (Tracker<>, dimp/tracker_impl.h) is a StagedTracker;
// track() is exactly begin_frame, extract (shared_features then target_features), end_frame.
// Targets of one family (fresh copies of one prototype) also score their filters as one batch
// (batch_scores) and run their model fits as one optimizer run over the sequence dimension
// (end_frame with defer_fit, then fit_batch).
//
//   FrameSearch s = t.begin_frame(image);
//   auto f = t.target_features(t.shared_features(s.patches), s.patches);
//   TrackResult r = t.end_frame(image, s, f);
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <vector>

#include "backbones/feature_extractor.h"
#include "bbox/patch_sampler.h"
#include "dimp/tracker.h"

namespace dimp {

// FrameSearch: one target's search patches (S, 3, H, W) this frame and where each was cut.
struct FrameSearch {
  at::Tensor patches;
  std::vector<bbox::PatchRegion> regions;
};

class StagedTracker : public VisualTracker {
 public:
  // begin_frame: checks the frame (as track() does) and cuts the search patches.
  virtual FrameSearch begin_frame(const at::Tensor& image) = 0;
  // shared_features: the target-independent part of the features of `patches` (any batch,
  // any targets' patches): the network's maps. Empty when the extractor has no such part
  // (hand-crafted features fitted to the target).
  virtual backbones::ExtractedFeatures shared_features(const at::Tensor& patches) const = 0;
  // target_features: this target's features of its own `patches` from their shared part.
  virtual backbones::ExtractedFeatures target_features(const backbones::ExtractedFeatures& shared,
                                                       const at::Tensor& patches) const = 0;
  // end_frame: localization, box, model update, from begin_frame's search and its features.
  virtual TrackResult end_frame(const at::Tensor& image, const FrameSearch& search,
                                const backbones::ExtractedFeatures& features) = 0;
  // end_frame with the score maps given (undefined: computed here) and, with defer_fit, the
  // model update's optimizer run left pending for fit_batch (when the update policy's fit is
  // its last step; otherwise it runs here).
  virtual TrackResult end_frame(const at::Tensor& image, const FrameSearch& search,
                                const backbones::ExtractedFeatures& features, const at::Tensor& scores,
                                bool defer_fit) = 0;
  // family: trackers with the same family are fresh copies of one prototype (same type, same
  // model predictor), the ones batch_scores and fit_batch take together.
  virtual const void* family() const = 0;
  // batch_scores: the raw score maps (S, Ho, Wo) of each member (this tracker's family) on its
  // classification features, one filter application for the members whose shapes agree.
  virtual std::vector<at::Tensor> batch_scores(const std::vector<StagedTracker*>& members,
                                               const std::vector<at::Tensor>& features) const = 0;
  // fit_batch: runs the members' pending fits; those with the same iterations and sample
  // shapes as one optimizer run. Returns the number of optimizer runs.
  virtual int fit_batch(const std::vector<StagedTracker*>& members) const = 0;
  virtual bool has_pending_fit() const = 0;
  // feature_group: trackers with the same non-null group compute the same shared_features
  // (they share one network); null: shared_features is empty.
  virtual const void* feature_group() const = 0;
  // target_specific_features: whether the features have a per-target part (a colour model,
  // hand-crafted features fitted to the target), i.e. are not the shared network's alone.
  virtual bool target_specific_features() const = 0;
  // fresh_copy: a new, uninitialised tracker of the same variant and parameters that shares
  // this one's networks (and feature group). Cheap: no weights are loaded.
  virtual std::unique_ptr<StagedTracker> fresh_copy() const = 0;
};

// slice_features: patches [start, start + count) of extracted features (undefined stays so).
inline backbones::ExtractedFeatures slice_features(const backbones::ExtractedFeatures& f, int64_t start,
                                                   int64_t count) {
  backbones::ExtractedFeatures out;
  if (f.classification.defined()) out.classification = f.classification.narrow(0, start, count);
  for (const auto& b : f.box) out.box.push_back(b.narrow(0, start, count));
  return out;
}

}  // namespace dimp
