// dimp/tracker.h — the tracker's small non-template face, and the registry of variants.
//
// Tools and tests reach every tracker through VisualTracker (OpenCV-style: initialize on the
// first frame, track each next one); the policies are composed in Tracker<> (tracker_impl.h)
// and registered by name:
//
//   auto t = dimp::make_tracker("weight-free", dimp::default_params("weight-free"));
//   t->initialize(frame0, {x, y, w, h});
//   dimp::TrackResult r = t->track(frame1);   // r.box, r.score, r.status
//
// Frames are (3, H, W) RGB tensors, uint8 or float in [0, 255] (data/cv/image_io.h makes them).
#pragma once

#include <ATen/ATen.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "dimp/localization.h"
#include "dimp/tracker_params.h"

namespace dimp {

// TrackResult: the box in image pixels, the peak score (a fraction of the first frame's peak
// with params.relative_scores), and the localization's verdict.
struct TrackResult {
  bbox::Box box;
  double score = 0;
  TargetStatus status = TargetStatus::kNormal;
};

// StageTimes: seconds spent per stage since the last reset (for FPS breakdowns).
struct StageTimes {
  double patch = 0, features = 0, scores = 0, localization = 0, box = 0, update = 0, initialize = 0;
  int frames = 0;
  double total() const { return patch + features + scores + localization + box + update; }
};

// VisualTracker: one target in one video.
class VisualTracker {
 public:
  virtual ~VisualTracker() = default;
  // initialize: first frame and the target's box. Throws std::invalid_argument for an empty
  // image or a box that is empty, not finite or outside the image.
  virtual void initialize(const at::Tensor& image, const bbox::Box& box) = 0;
  // track: the next frame (same size as the first). A lost target is reported in the
  // result's status; the box then stays where the target was last seen.
  virtual TrackResult track(const at::Tensor& image) = 0;
  virtual const std::string& name() const = 0;
  virtual const StageTimes& stage_times() const = 0;
  virtual void reset_stage_times() = 0;
};

// TrackerSpec: a registered variant.
struct TrackerSpec {
  std::string name;
  std::string description;
  bool needs_weights = false;  // true: make_tracker needs a weights file
  std::function<TrackerParams()> default_params;
  std::function<std::unique_ptr<VisualTracker>(const TrackerParams&, const std::string& weights)> make;
  bool runs_on_cuda = false;  // true: params.device may name a CUDA device
};

// kDefaultTracker: what the tools run when no tracker is named. "deep" needs the pretrained
// network that scripts/setup.sh installs (third_party/models/); "weight-free" is the fallback
// that needs no network at all.
inline constexpr const char* kDefaultTracker = "deep";

// tracker_specs: every registered variant.
const std::vector<TrackerSpec>& tracker_specs();
std::vector<std::string> tracker_names();
// default_params: the variant's parameters (its dimp/params/<name>.json); throws for unknown names.
TrackerParams default_params(const std::string& name);
// resolve_params: what a tool runs a variant with — its defaults, under `params_file`'s values
// (when given; a partial file keeps the variant's own value for every field it omits), under
// the "name=value" overrides; validated once, after all of them.
TrackerParams resolve_params(const std::string& name, const std::string& params_file = "",
                             const std::vector<std::string>& overrides = {});
// make_tracker: a new tracker of the named variant. Throws std::invalid_argument naming the
// known variants for an unknown name, when the variant needs weights and none are given, or
// when params.device is not the CPU and the variant does not run there or no such device is
// present.
std::unique_ptr<VisualTracker> make_tracker(const std::string& name, const TrackerParams& params,
                                            const std::string& weights = "");

}  // namespace dimp
