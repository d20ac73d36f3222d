#include "tools/lib/frame_tracker.h"

#include <opencv2/tracking.hpp>
#include <opencv2/video/tracking.hpp>
#include <sstream>
#include <stdexcept>

#include "data/cv/image_io.h"

namespace dimp::tools {
namespace {

class DimpFrameTracker : public FrameTracker {
 public:
  explicit DimpFrameTracker(std::unique_ptr<VisualTracker> t) : t_(std::move(t)) {}
  void initialize(const Frame& f, const bbox::Box& b) override { t_->initialize(f.rgb, b); }
  TrackResult track(const Frame& f) override { return t_->track(f.rgb); }
  std::string name() const override { return t_->name(); }
  const VisualTracker* dimp_tracker() const override { return t_.get(); }

 private:
  std::unique_ptr<VisualTracker> t_;
};

class OpenCvFrameTracker : public FrameTracker {
 public:
  explicit OpenCvFrameTracker(std::string name) : name_(std::move(name)) {}
  // initialize: the same rule as our trackers' (a finite box of positive size that overlaps
  // the frame, at least a pixel each way once rounded): OpenCV's own trackers accept a NaN or
  // empty box and then track a 1x1 box or hang (MIL).
  void initialize(const Frame& f, const bbox::Box& b) override {
    std::ostringstream msg;
    if (f.bgr.empty()) throw std::invalid_argument(name_ + ": empty first frame");
    const double w = f.bgr.cols, h = f.bgr.rows;
    if (!b.is_valid()) {
      msg << name_ << ": initial box " << b << " must be finite with positive width and height";
      throw std::invalid_argument(msg.str());
    }
    const bbox::Box inside = bbox::intersection(b, {0, 0, w, h});
    if (inside.w < 1 || inside.h < 1) {
      msg << name_ << ": initial box " << b << " does not cover a pixel of the " << w << "x" << h << " frame";
      throw std::invalid_argument(msg.str());
    }
    tracker_ = create();
    box_ = cv::Rect(static_cast<int>(std::lround(b.x)), static_cast<int>(std::lround(b.y)),
                    std::max(1, static_cast<int>(std::lround(b.w))), std::max(1, static_cast<int>(std::lround(b.h))));
    tracker_->init(f.bgr, box_);
  }
  TrackResult track(const Frame& f) override {
    cv::Rect r = box_;
    const bool found = tracker_->update(f.bgr, r);
    if (found) box_ = r;
    TrackResult out;
    out.box = {static_cast<double>(box_.x), static_cast<double>(box_.y), static_cast<double>(box_.width),
               static_cast<double>(box_.height)};
    out.score = found ? 1 : 0;
    out.status = found ? TargetStatus::kNormal : TargetStatus::kNotFound;
    return out;
  }
  std::string name() const override { return name_; }

 private:
  cv::Ptr<cv::Tracker> create() const {
    if (name_ == "csrt") return cv::TrackerCSRT::create();
    if (name_ == "kcf") return cv::TrackerKCF::create();
    return cv::TrackerMIL::create();
  }
  std::string name_;
  cv::Ptr<cv::Tracker> tracker_;
  cv::Rect box_;
};

}  // namespace

Frame make_frame(const cv::Mat& bgr) { return {bgr, data::mat_to_tensor(bgr)}; }

const std::vector<std::string>& opencv_tracker_names() {
  static const std::vector<std::string> names{"csrt", "kcf", "mil"};
  return names;
}

std::unique_ptr<FrameTracker> make_frame_tracker(const std::string& name, const TrackerParams* params,
                                                 const std::string& weights) {
  for (const auto& n : opencv_tracker_names()) {
    if (n == name) return std::make_unique<OpenCvFrameTracker>(name);
  }
  const TrackerParams p = params ? *params : default_params(name);
  return std::make_unique<DimpFrameTracker>(make_tracker(name, p, weights));
}

}  // namespace dimp::tools
