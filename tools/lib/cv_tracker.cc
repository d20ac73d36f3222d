#include "tools/lib/cv_tracker.h"

#include <cmath>

#include "data/cv/image_io.h"

namespace dimp::cvtracking {

cv::Ptr<TrackerDiMP> TrackerDiMP::create(const Params& p) {
  const TrackerParams params = resolve_params(p.tracker, p.params_file, p.overrides);
  return cv::Ptr<TrackerDiMP>(new TrackerDiMP(make_tracker(p.tracker, params, p.weights)));
}

void TrackerDiMP::init(cv::InputArray image, const cv::Rect& box) {
  try {
    tracker_->initialize(data::mat_to_tensor(image.getMat()), {static_cast<double>(box.x), static_cast<double>(box.y),
                                                              static_cast<double>(box.width), static_cast<double>(box.height)});
  } catch (const std::exception& e) {
    CV_Error(cv::Error::StsBadArg, std::string("TrackerDiMP::init: ") + e.what());
  }
}

bool TrackerDiMP::update(cv::InputArray image, cv::Rect& box) {
  try {
    last_ = tracker_->track(data::mat_to_tensor(image.getMat()));
  } catch (const std::exception& e) {
    CV_Error(cv::Error::StsBadArg, std::string("TrackerDiMP::update: ") + e.what());
  }
  box = cv::Rect(static_cast<int>(std::lround(last_.box.x)), static_cast<int>(std::lround(last_.box.y)),
                 static_cast<int>(std::lround(last_.box.w)), static_cast<int>(std::lround(last_.box.h)));
  return last_.status != TargetStatus::kNotFound;
}

}  // namespace dimp::cvtracking
