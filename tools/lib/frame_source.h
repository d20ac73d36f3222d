// tools/lib/frame_source.h — where frames come from: a video file, a camera, an image folder,
// or a benchmark sequence folder (OTB or VOT layout, whose ground truth is read too).
//
//   auto src = dimp::tools::open_frames("path/to/otb/Crossing");
//   Frame f; while (src->next(f)) { ... }
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bbox/box.h"
#include "tools/lib/frame_tracker.h"

namespace dimp::tools {

class FrameSource {
 public:
  virtual ~FrameSource() = default;
  // next: the next frame; false at the end. Throws DataError for an unreadable image.
  virtual bool next(Frame& frame) = 0;
  // size: number of frames if known, else -1 (camera, some video containers).
  virtual long size() const = 0;
  virtual double fps() const { return 30.0; }
  // ground_truth: per-frame boxes when the source is an annotated sequence.
  const std::vector<bbox::Box>& ground_truth() const { return ground_truth_; }
  // files: the files the source reads (video, frames, annotation), which no output may replace.
  const std::vector<std::string>& files() const { return files_; }
  const std::string& name() const { return name_; }
  // video: frames come from a video file or a camera (not from image files).
  bool video() const { return video_; }

 protected:
  std::vector<bbox::Box> ground_truth_;
  std::string name_;
  std::vector<std::string> files_;
  bool video_ = false;
};

// open_frames: a path (video file, image folder, OTB/VOT sequence folder) or "camera:N".
std::unique_ptr<FrameSource> open_frames(const std::string& input);

}  // namespace dimp::tools
