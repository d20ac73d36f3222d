// tools/lib/live_view.h — a window for live tracking (OpenCV highgui): targets selected with the
// mouse, frames shown as they are tracked, keys read. Only where a display can be opened:
// display_available() says so without touching highgui (whose Qt backend aborts the process
// when it finds no X server).
//
//   if (dimp::tools::display_available()) {
//     dimp::tools::LiveView view("dimp_track");
//     auto boxes = view.select(frame.bgr);                  // drag boxes; Enter/space each; Esc ends
//     view.show(annotated); switch (view.key(1)) { ... }
//   }
#pragma once

#include <opencv2/core.hpp>
#include <string>
#include <vector>

#include "bbox/box.h"

namespace dimp::tools {

// display_available: DISPLAY names an X server that accepts a connection (checked through
// libX11, loaded at run time: a machine without it has no display).
bool display_available();

// Key: what a key press asks of a live session.
enum class Key { kNone, kPause, kReselect, kQuit };

class LiveView {
 public:
  // LiveView: opens the window `title`. Throws std::runtime_error when highgui cannot.
  explicit LiveView(std::string title);
  ~LiveView();
  LiveView(const LiveView&) = delete;
  LiveView& operator=(const LiveView&) = delete;

  // select: boxes dragged with the mouse on `frame` (cv::selectROIs: Enter or space confirms
  // one box, Esc ends the selection); boxes without area are dropped.
  std::vector<bbox::Box> select(const cv::Mat& frame);
  // show: the frame in the window.
  void show(const cv::Mat& frame);
  // key: waits up to `ms` milliseconds (0: until a key) for a key: space pauses or resumes, 'r'
  // re-selects, 'q' or Esc quits, anything else (or none) is kNone. A closed window is kQuit.
  Key key(int ms);

 private:
  std::string title_;
};

}  // namespace dimp::tools
