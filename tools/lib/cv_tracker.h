// tools/lib/cv_tracker.h — dimp-cpp trackers behind OpenCV 4's cv::Tracker interface, so
// OpenCV code switches trackers by changing one line:
//
//   cv::Ptr<cv::Tracker> tracker = cv::TrackerCSRT::create();          // before
//   cv::Ptr<cv::Tracker> tracker = dimp::cvtracking::TrackerDiMP::create();  // after
//   tracker->init(frame, roi);
//   bool found = tracker->update(next_frame, roi);
#pragma once

#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/video/tracking.hpp>
#include <string>
#include <vector>

#include "dimp/tracker.h"

namespace dimp::cvtracking {

// TrackerDiMPParams: which variant, its parameters and weights.
struct TrackerDiMPParams {
  std::string tracker = kDefaultTracker;  // any registered variant (dimp::tracker_names())
  std::string params_file;              // JSON parameters (default: the variant's)
  std::vector<std::string> overrides;   // name=value parameter overrides
  std::string weights;                  // safetensors weights for variants that need them
};

class TrackerDiMP : public cv::Tracker {
 public:
  using Params = TrackerDiMPParams;

  static cv::Ptr<TrackerDiMP> create(const Params& params = Params());

  // init: BGR (or grey) 8-bit frame and the target rectangle; throws cv::Exception for bad input.
  void init(cv::InputArray image, const cv::Rect& bounding_box) override;
  // update: false when the target is not found (the rectangle then keeps its last position).
  bool update(cv::InputArray image, cv::Rect& bounding_box) override;

  // The last frame's score and verdict.
  double last_score() const { return last_.score; }
  TargetStatus last_status() const { return last_.status; }

 private:
  explicit TrackerDiMP(std::unique_ptr<VisualTracker> tracker) : tracker_(std::move(tracker)) {}
  std::unique_ptr<VisualTracker> tracker_;
  TrackResult last_;
};

}  // namespace dimp::cvtracking
