// tools/lib/frame_tracker.h — one interface over our trackers and OpenCV's, for the tools that
// run several side by side (each gets the frame in its native form: RGB tensor or BGR Mat).
//
//   auto t = dimp::tools::make_frame_tracker("csrt");        // or "weight-free", ...
//   t->initialize(frame, box); auto r = t->track(next_frame);
#pragma once

#include <ATen/ATen.h>

#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "dimp/tracker.h"

namespace dimp::tools {

// Frame: a decoded frame in both forms (the tensor shares nothing with the Mat).
struct Frame {
  cv::Mat bgr;
  at::Tensor rgb;  // (3, H, W) uint8
};

// make_frame: from a BGR Mat.
Frame make_frame(const cv::Mat& bgr);

class FrameTracker {
 public:
  virtual ~FrameTracker() = default;
  virtual void initialize(const Frame& frame, const bbox::Box& box) = 0;
  virtual TrackResult track(const Frame& frame) = 0;
  virtual std::string name() const = 0;
  // The underlying dimp tracker, if any (for stage timings).
  virtual const VisualTracker* dimp_tracker() const { return nullptr; }
};

// opencv_tracker_names: the OpenCV baselines available ("csrt", "kcf", "mil").
const std::vector<std::string>& opencv_tracker_names();

// make_frame_tracker: a registered dimp variant (with params/weights) or an OpenCV baseline.
std::unique_ptr<FrameTracker> make_frame_tracker(const std::string& name, const TrackerParams* params = nullptr,
                                                 const std::string& weights = "");

}  // namespace dimp::tools
