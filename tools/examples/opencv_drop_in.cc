// opencv_drop_in — an ordinary OpenCV tracking loop; the one line that creates the tracker is
// all that changes to use dimp-cpp instead of OpenCV's CSRT.
//
//   opencv_drop_in <video-or-image-pattern> <x> <y> <w> <h> [--csrt]
//   opencv_drop_in ../shared/data/otb/Crossing/img/%04d.jpg 204 150 17 50
#include <cstdio>
#include <cstring>
#include <opencv2/tracking.hpp>
#include <opencv2/videoio.hpp>

#include "tools/lib/cv_tracker.h"

int main(int argc, char** argv) {
  if (argc < 6 || std::strcmp(argv[1], "--help") == 0) {
    std::printf("usage: opencv_drop_in <video-or-image-pattern> <x> <y> <w> <h> [--csrt]\n"
                "Tracks with dimp-cpp's default tracker through OpenCV's cv::Tracker interface;\n"
                "--csrt runs OpenCV's CSRT instead (the line this example changes).\n");
    return argc < 6 ? 1 : 0;
  }
  cv::VideoCapture video(argv[1]);
  cv::Mat frame;
  if (!video.isOpened() || !video.read(frame)) {
    std::fprintf(stderr, "cannot read %s\n", argv[1]);
    return 1;
  }
  cv::Rect roi(std::atoi(argv[2]), std::atoi(argv[3]), std::atoi(argv[4]), std::atoi(argv[5]));
  const bool csrt = argc > 6 && std::strcmp(argv[6], "--csrt") == 0;

  cv::Ptr<cv::Tracker> tracker = csrt ? cv::Ptr<cv::Tracker>(cv::TrackerCSRT::create())
                                      : cv::Ptr<cv::Tracker>(dimp::cvtracking::TrackerDiMP::create());
  tracker->init(frame, roi);
  int index = 1;
  while (video.read(frame)) {
    const bool found = tracker->update(frame, roi);
    std::printf("%d %d %d %d %d %s\n", index++, roi.x, roi.y, roi.width, roi.height, found ? "found" : "lost");
  }
  return 0;
}
